import { useEffect, useState } from "preact/hooks";
import type { Services } from "../services";
import { AuthScreen, type AuthFlow } from "./Auth";
import { LibraryScreen } from "./Library";
import { useStore } from "./hooks";
import { navigate, SIGNED_IN_ROUTES, useRoute } from "./router";
import { SecurityScreen } from "./Security";

export function App({ services }: { services: Services }) {
  const { session } = services;
  const state = useStore((fn) => session.subscribe(fn), () => session.state);
  const route = useRoute();
  const [flow, setFlow] = useState<AuthFlow>({ email: "" });

  useEffect(() => {
    void session.restore();
  }, [session]);

  // Signed-out people land on the sign-in page (with the reason, if the session ended on its own);
  // signed-in people never see the account pages.
  useEffect(() => {
    if (state.status === "signed-out" && SIGNED_IN_ROUTES.includes(route)) {
      if (state.notice) setFlow((f) => ({ ...f, notice: state.notice }));
      navigate("/login", { replace: true });
    }
    if (state.status === "signed-in" && !SIGNED_IN_ROUTES.includes(route)) navigate("/", { replace: true });
  }, [state, route]);

  if (state.status === "restoring") {
    return (
      <main class="splash" aria-busy="true">
        <p role="status">
          <span class="spinner" aria-hidden="true" /> Loading…
        </p>
      </main>
    );
  }
  if (state.status === "signed-in") {
    if (route === "/security") return <SecurityScreen services={services} />;
    return route === "/" ? <LibraryScreen services={services} /> : null;
  }
  return <AuthScreen route={SIGNED_IN_ROUTES.includes(route) ? "/login" : route} services={services} flow={flow} setFlow={setFlow} />;
}
