import { useState } from "preact/hooks";
import { AccountApi } from "../api/account-api";
import { AppError } from "../api/errors";
import type { Services } from "../services";
import { AuthLayout, Field, Form, useSubmit } from "./Auth";
import { navigate } from "./router";

/**
 * The second step of signing in to an account with MFA on: the code from the authenticator app. The
 * session it finishes lasts 3 minutes; once it has expired the person starts again from the password.
 */
export function MfaStep({ services, email, session, onRestart }: { services: Services; email: string; session: string; onRestart: () => void }) {
  const [code, setCode] = useState("");
  const form = useSubmit();
  const submit = () =>
    form.run(async () => {
      const tokens = await new AccountApi(services.api).loginMfa(session, code.trim());
      services.session.signIn(tokens, email);
      navigate("/", { replace: true });
    });
  const expired = form.error instanceof AppError && form.error.code === "MfaSessionExpired";
  return (
    <AuthLayout title="Enter your code" notice="Open your authenticator app and type the 6-digit code it shows for Media storage.">
      <Form onSubmit={submit} busy={form.busy} submitLabel="Verify" error={form.error}>
        {expired && (
          <p class="inline-action">
            <button type="button" class="button link" onClick={onRestart}>
              Sign in again
            </button>
          </p>
        )}
        <Field label="Authentication code" autoComplete="one-time-code" inputMode="numeric" value={code} onValue={setCode} required error={form.error} field="code" />
      </Form>
    </AuthLayout>
  );
}
