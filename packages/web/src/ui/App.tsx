import { useEffect, useState } from "preact/hooks";
import type { Services } from "../services";
import { AuthScreen, type AuthFlow } from "./Auth";
import { LibraryScreen } from "./Library";
import { useStore } from "./hooks";
import { navigate, useRoute } from "./router";

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
    if (state.status === "signed-out" && route === "/") {
      if (state.notice) setFlow((f) => ({ ...f, notice: state.notice }));
      navigate("/login", { replace: true });
    }
    if (state.status === "signed-in" && route !== "/") navigate("/", { replace: true });
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
  if (state.status === "signed-in") return route === "/" ? <LibraryScreen services={services} /> : null;
  return <AuthScreen route={route === "/" ? "/login" : route} services={services} flow={flow} setFlow={setFlow} />;
}
