import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { describePasswordPolicy } from "@media/core/password-policy";
import { AccountApi, isMfaChallenge } from "../api/account-api";
import { AppError, fieldProblems } from "../api/errors";
import type { Services } from "../services";
import { ErrorMessage } from "./ErrorMessage";
import { MfaStep } from "./MfaStep";
import { navigate, type Route } from "./router";

/** What the account pages pass along: the email typed once, a notice for the next page, and the password between sign-up and confirmation (memory only). */
export interface AuthFlow {
  email: string;
  notice?: string | undefined;
  password?: string | undefined;
}

interface AuthProps {
  services: Services;
  flow: AuthFlow;
  setFlow: (f: AuthFlow) => void;
}

const PASSWORD_RULES = describePasswordPolicy();

export function AuthScreen({ route, ...props }: AuthProps & { route: Route }) {
  switch (route) {
    case "/signup":
      return <SignUp {...props} />;
    case "/confirm":
      return <Confirm {...props} />;
    case "/forgot":
      return <Forgot {...props} />;
    case "/reset":
      return <Reset {...props} />;
    default:
      return <Login {...props} />;
  }
}

function Login({ services, flow, setFlow }: AuthProps) {
  const [email, setEmail] = useState(flow.email);
  const [password, setPassword] = useState("");
  const form = useSubmit();
  const [challenge, setChallenge] = useState<string>();
  const submit = () =>
    form.run(async () => {
      const answer = await new AccountApi(services.api).login(email.trim(), password);
      setFlow({ email: email.trim() });
      if (isMfaChallenge(answer)) {
        setChallenge(answer.session);
        return;
      }
      services.session.signIn(answer, email.trim());
      navigate("/", { replace: true });
    });
  if (challenge) return <MfaStep services={services} email={email.trim()} session={challenge} onRestart={() => setChallenge(undefined)} />;
  const unconfirmed = form.error instanceof AppError && form.error.code === "UserNotConfirmed";
  return (
    <AuthLayout title="Sign in" notice={flow.notice} footer={
      <>
        <p>
          New here? <Link to="/signup" onClick={() => setFlow({ email })}>Create an account</Link>
        </p>
        <p>
          <Link to="/forgot" onClick={() => setFlow({ email })}>Forgot your password?</Link>
        </p>
      </>
    }>
      <Form onSubmit={submit} busy={form.busy} submitLabel="Sign in" error={form.error}>
        {unconfirmed && (
          <p class="inline-action">
            <Link to="/confirm" onClick={() => setFlow({ email, password })}>Enter your confirmation code</Link>
          </p>
        )}
        <Field label="Email or username" autoComplete="username" value={email} onValue={setEmail} required error={form.error} field="email" />
        <Field label="Password" type="password" autoComplete="current-password" value={password} onValue={setPassword} required error={form.error} field="password" />
      </Form>
    </AuthLayout>
  );
}

function SignUp({ services, flow, setFlow }: AuthProps) {
  const [email, setEmail] = useState(flow.email);
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const form = useSubmit();
  const submit = () =>
    form.run(async () => {
      const input = username.trim() ? { email: email.trim(), password, username: username.trim() } : { email: email.trim(), password };
      const answer = await services.api.signUp(input);
      if (answer.confirmed) {
        const tokens = await services.api.login(email.trim(), password);
        services.session.signIn(tokens, email.trim());
        navigate("/", { replace: true });
        return;
      }
      setFlow({ email: email.trim(), password, notice: `We sent a confirmation code to ${email.trim()}.` });
      navigate("/confirm");
    });
  return (
    <AuthLayout title="Create your account" notice={flow.notice} footer={
      <p>
        Already have an account? <Link to="/login" onClick={() => setFlow({ email })}>Sign in</Link>
      </p>
    }>
      <Form onSubmit={submit} busy={form.busy} submitLabel="Create account" error={form.error}>
        <Field label="Email" type="email" autoComplete="email" value={email} onValue={setEmail} required error={form.error} field="email" />
        <Field label="Username (optional)" autoComplete="nickname" value={username} onValue={setUsername} error={form.error} field="username" hint="Letters, digits, dot, dash and underscore." />
        <Field label="Password" type="password" autoComplete="new-password" value={password} onValue={setPassword} required error={form.error} field="password" hint={PASSWORD_RULES} />
      </Form>
    </AuthLayout>
  );
}

function Confirm({ services, flow, setFlow }: AuthProps) {
  const [email, setEmail] = useState(flow.email);
  const [code, setCode] = useState("");
  const [resent, setResent] = useState<string>();
  const form = useSubmit();
  const resend = useSubmit();
  const submit = () =>
    form.run(async () => {
      await services.api.confirm(email.trim(), code.trim());
      if (flow.password) {
        // Just signed up in this tab: sign straight in instead of asking for the password again.
        const tokens = await services.api.login(email.trim(), flow.password);
        setFlow({ email: email.trim() });
        services.session.signIn(tokens, email.trim());
        navigate("/", { replace: true });
        return;
      }
      setFlow({ email: email.trim(), notice: "Your email is confirmed. Sign in." });
      navigate("/login", { replace: true });
    });
  const sendAgain = () =>
    resend.run(async () => {
      await services.api.resendCode(email.trim());
      setResent(`A new code is on its way to ${email.trim()}.`);
    });
  return (
    <AuthLayout title="Confirm your email" notice={resent ?? flow.notice} footer={
      <p>
        <Link to="/login" onClick={() => setFlow({ email })}>Back to sign in</Link>
      </p>
    }>
      <Form onSubmit={submit} busy={form.busy} submitLabel="Confirm" error={form.error ?? resend.error}>
        <Field label="Email" type="email" autoComplete="email" value={email} onValue={setEmail} required error={form.error} field="email" />
        <Field label="Confirmation code" autoComplete="one-time-code" inputMode="numeric" value={code} onValue={setCode} required error={form.error} field="code" hint="The digits from the email we sent you." />
        <button type="button" class="button link" onClick={sendAgain} disabled={resend.busy || !email.trim()}>
          {resend.busy ? "Sending…" : "Send a new code"}
        </button>
      </Form>
    </AuthLayout>
  );
}

function Forgot({ services, flow, setFlow }: AuthProps) {
  const [email, setEmail] = useState(flow.email);
  const form = useSubmit();
  const submit = () =>
    form.run(async () => {
      await services.api.forgotPassword(email.trim());
      setFlow({ email: email.trim(), notice: `If an account exists for ${email.trim()}, we sent it a code to reset the password.` });
      navigate("/reset");
    });
  return (
    <AuthLayout title="Reset your password" notice={flow.notice} footer={
      <p>
        <Link to="/login" onClick={() => setFlow({ email })}>Back to sign in</Link>
      </p>
    }>
      <p class="lead">Enter your email and we'll send you a code to choose a new password.</p>
      <Form onSubmit={submit} busy={form.busy} submitLabel="Send code" error={form.error}>
        <Field label="Email" type="email" autoComplete="email" value={email} onValue={setEmail} required error={form.error} field="email" />
      </Form>
    </AuthLayout>
  );
}

function Reset({ services, flow, setFlow }: AuthProps) {
  const [email, setEmail] = useState(flow.email);
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const form = useSubmit();
  const submit = () =>
    form.run(async () => {
      await services.api.resetPassword(email.trim(), code.trim(), password);
      setFlow({ email: email.trim(), notice: "Your password is changed. Sign in with the new one." });
      navigate("/login", { replace: true });
    });
  return (
    <AuthLayout title="Choose a new password" notice={flow.notice} footer={
      <p>
        <Link to="/forgot" onClick={() => setFlow({ email })}>Send another code</Link> · <Link to="/login" onClick={() => setFlow({ email })}>Back to sign in</Link>
      </p>
    }>
      <Form onSubmit={submit} busy={form.busy} submitLabel="Change password" error={form.error}>
        <Field label="Email" type="email" autoComplete="email" value={email} onValue={setEmail} required error={form.error} field="email" />
        <Field label="Code from the email" autoComplete="one-time-code" inputMode="numeric" value={code} onValue={setCode} required error={form.error} field="code" />
        <Field label="New password" type="password" autoComplete="new-password" value={password} onValue={setPassword} required error={form.error} field="password" hint={PASSWORD_RULES} />
      </Form>
    </AuthLayout>
  );
}

export function AuthLayout({ title, notice, children, footer }: { title: string; notice?: string | undefined; children: ComponentChildren; footer?: ComponentChildren }) {
  const main = useRef<HTMLElement>(null);
  useEffect(() => {
    document.title = `${title} · Media library`;
    // A new page: start where there is something to type (the email is often carried over).
    const inputs = [...(main.current?.querySelectorAll("input") ?? [])];
    (inputs.find((i) => !i.value) ?? inputs[0])?.focus();
  }, [title]);
  return (
    <main class="auth" ref={main}>
      <div class="auth-card">
        <p class="brand">
          <img src="/favicon.svg" alt="" width={28} height={28} /> Media library
        </p>
        <h1>{title}</h1>
        {notice && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        {children}
        {footer && <div class="auth-footer">{footer}</div>}
      </div>
    </main>
  );
}

export function Form({ onSubmit, busy, submitLabel, error, children }: { onSubmit: () => void; busy: boolean; submitLabel: string; error: unknown; children: ComponentChildren }) {
  return (
    <form
      class="form"
      noValidate={false}
      onSubmit={(e) => {
        e.preventDefault();
        if (!busy) onSubmit();
      }}
    >
      <ErrorMessage error={error} />
      {children}
      <button type="submit" class="button primary wide" disabled={busy} aria-busy={busy}>
        {busy ? "Please wait…" : submitLabel}
      </button>
    </form>
  );
}

interface FieldProps {
  label: string;
  value: string;
  onValue: (v: string) => void;
  type?: "text" | "email" | "password";
  autoComplete?: string;
  inputMode?: "numeric" | "text" | "email";
  required?: boolean;
  hint?: string;
  error?: unknown;
  /** The request field this input feeds, to show the server's words about it beside it. */
  field?: string;
}

export function Field({ label, value, onValue, type = "text", autoComplete, inputMode, required, hint, error, field }: FieldProps) {
  const id = useId();
  const problem = field ? fieldProblems(error).find((p) => p.field === field)?.problem : undefined;
  const describedBy = [hint ? `${id}-hint` : "", problem ? `${id}-problem` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        name={field}
        // Preact's types tie the allowed ARIA roles to each input type; ours all take the default role.
        type={type as "text"}
        value={value}
        autoComplete={autoComplete}
        inputMode={inputMode}
        required={required}
        aria-invalid={problem ? true : undefined}
        aria-describedby={describedBy}
        onInput={(e) => onValue((e.target as HTMLInputElement).value)}
      />
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {problem && (
        <p class="field-problem" id={`${id}-problem`}>
          {problem}
        </p>
      )}
    </div>
  );
}

function Link({ to, children, onClick }: { to: Route; children: ComponentChildren; onClick?: () => void }) {
  return (
    <a
      href={to}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        onClick?.();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

/** One form's request: busy while it runs, its error kept until the next try. */
export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );
  return {
    busy,
    error,
    run: async (fn: () => Promise<void>) => {
      setBusy(true);
      setError(undefined);
      try {
        await fn();
      } catch (e) {
        if (alive.current) setError(e);
      } finally {
        if (alive.current) setBusy(false);
      }
    },
  };
}
