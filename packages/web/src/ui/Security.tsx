import { describePasswordPolicy } from "@media/core/password-policy";
import type { ComponentChildren } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { renderSVG } from "uqr";
import { AccountApi, type TotpSetup } from "../api/account-api";
import type { Services } from "../services";
import { Field, useSubmit } from "./Auth";
import { ErrorMessage } from "./ErrorMessage";
import { navigate } from "./router";

const PASSWORD_RULES = describePasswordPolicy();

/**
 * The account's own controls: two-step sign-in (TOTP), password, sessions, a copy of the data and the
 * account's deletion. Actions that end every session (a new password, signing out everywhere, deletion)
 * sign this tab out too, with a notice saying why.
 */
export function SecurityScreen({ services }: { services: Services }) {
  const account = useMemo(() => new AccountApi(services.api), [services]);
  const email = services.session.state.status === "signed-in" ? services.session.state.email ?? "" : "";
  useEffect(() => {
    document.title = "Security · Media library";
  }, []);
  const ended = (notice: string) => services.session.ended(notice);
  return (
    <div class="app">
      <header class="topbar">
        <div class="topbar-inner">
          <p class="brand">
            <img src="/favicon.svg" alt="" width={28} height={28} /> <span>Media library</span>
          </p>
          <div class="account">
            <a class="button small" href="/" onClick={(e) => {
              e.preventDefault();
              navigate("/");
            }}>
              Back to the library
            </a>
          </div>
        </div>
      </header>
      <main class="content security" id="main">
        <h1>Security</h1>
        <MfaSection account={account} />
        <PasswordSection account={account} ended={ended} />
        <EmailSection account={account} email={email} />
        <Section title="Sessions">
          <SignOutEverywhere account={account} ended={ended} />
        </Section>
        <ExportSection account={account} />
        <DeleteSection account={account} email={email} ended={ended} />
      </main>
    </div>
  );
}

function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section class="security-section" aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

function MfaSection({ account }: { account: AccountApi }) {
  const [setup, setSetup] = useState<TotpSetup>();
  const [state, setState] = useState<"unknown" | "on" | "off">("unknown");
  const [code, setCode] = useState("");
  const action = useSubmit();
  const start = () => action.run(async () => setSetup(await account.startTotp()));
  const enable = () =>
    action.run(async () => {
      await account.enableTotp(code.trim());
      setSetup(undefined);
      setCode("");
      setState("on");
    });
  const disable = () =>
    action.run(async () => {
      await account.disableTotp(code.trim());
      setCode("");
      setState("off");
    });
  return (
    <Section title="Two-step sign-in">
      {state === "on" && <p role="status">Two-step sign-in is on: signing in asks for a code from your app.</p>}
      {state === "off" && <p role="status">Two-step sign-in is off.</p>}
      <ErrorMessage error={action.error} />
      {setup ? (
        <form onSubmit={(e) => (e.preventDefault(), enable())} class="form">
          <p>Scan this code with an authenticator app, or type the key into it, then enter the code the app shows.</p>
          <div class="qr" role="img" aria-label="QR code for your authenticator app" dangerouslySetInnerHTML={{ __html: renderSVG(setup.otpauthUri, { pixelSize: 4 }) }} />
          <p>
            Key: <code data-testid="totp-secret">{setup.secret}</code>
          </p>
          <Field label="Code from the app" autoComplete="one-time-code" inputMode="numeric" value={code} onValue={setCode} required error={action.error} field="code" />
          <button type="submit" class="button primary" disabled={action.busy}>
            Turn on
          </button>
        </form>
      ) : (
        <div class="form">
          <button type="button" class="button" onClick={start} disabled={action.busy}>
            Set up an authenticator app
          </button>
          <form onSubmit={(e) => (e.preventDefault(), disable())} class="inline-form">
            <Field label="Code to turn two-step sign-in off" autoComplete="one-time-code" inputMode="numeric" value={code} onValue={setCode} error={action.error} field="code" />
            <button type="submit" class="button" disabled={action.busy || !code.trim()}>
              Turn off
            </button>
          </form>
        </div>
      )}
    </Section>
  );
}

function PasswordSection({ account, ended }: { account: AccountApi; ended: (notice: string) => void }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const form = useSubmit();
  const submit = () =>
    form.run(async () => {
      await account.changePassword(current, next);
      ended("Your password is changed and every session has ended. Sign in with the new password.");
    });
  return (
    <Section title="Password">
      <form class="form" onSubmit={(e) => (e.preventDefault(), submit())}>
        <ErrorMessage error={form.error} />
        <Field label="Current password" type="password" autoComplete="current-password" value={current} onValue={setCurrent} required error={form.error} field="currentPassword" />
        <Field label="New password" type="password" autoComplete="new-password" value={next} onValue={setNext} required error={form.error} field="newPassword" hint={PASSWORD_RULES} />
        <button type="submit" class="button primary" disabled={form.busy}>
          Change password
        </button>
      </form>
    </Section>
  );
}

function EmailSection({ account, email }: { account: AccountApi; email: string }) {
  const [next, setNext] = useState("");
  const [code, setCode] = useState("");
  const [sent, setSent] = useState<string>();
  const [changed, setChanged] = useState<string>();
  const form = useSubmit();
  const ask = () =>
    form.run(async () => {
      setSent((await account.changeEmail(next.trim())).message);
    });
  const verify = () =>
    form.run(async () => {
      const answer = await account.verifyEmail(code.trim());
      setChanged(`You sign in as ${answer.email} from now on.`);
      setSent(undefined);
      setCode("");
    });
  return (
    <Section title="Email">
      <p>
        You sign in as <strong>{changed ? next.trim() : email}</strong>.
      </p>
      {changed && <p role="status">{changed}</p>}
      {sent ? (
        <form class="form" onSubmit={(e) => (e.preventDefault(), verify())}>
          <ErrorMessage error={form.error} />
          <p role="status">{sent}</p>
          <Field label="Code sent to the new address" autoComplete="one-time-code" inputMode="numeric" value={code} onValue={setCode} required error={form.error} field="code" />
          <button type="submit" class="button primary" disabled={form.busy}>
            Confirm new email
          </button>
        </form>
      ) : (
        <form class="form" onSubmit={(e) => (e.preventDefault(), ask())}>
          <ErrorMessage error={form.error} />
          <Field label="New email" type="email" autoComplete="email" value={next} onValue={setNext} required error={form.error} field="email" />
          <button type="submit" class="button" disabled={form.busy}>
            Send a code to the new address
          </button>
        </form>
      )}
    </Section>
  );
}

function SignOutEverywhere({ account, ended }: { account: AccountApi; ended: (notice: string) => void }) {
  const form = useSubmit();
  const run = () =>
    form.run(async () => {
      await account.logoutEverywhere();
      ended("You are signed out on every device.");
    });
  return (
    <div class="form">
      <ErrorMessage error={form.error} />
      <p>Ends every session of your account, on every device, this one included.</p>
      <button type="button" class="button" onClick={run} disabled={form.busy}>
        Sign out everywhere
      </button>
    </div>
  );
}

function ExportSection({ account }: { account: AccountApi }) {
  const form = useSubmit();
  const [ready, setReady] = useState<string>();
  const run = () =>
    form.run(async () => {
      const answer = await account.exportManifest();
      const link = document.createElement("a");
      if ("manifestUrl" in answer) {
        // Too large to come in the answer: the service stored it, and its link downloads it (an attachment).
        link.href = answer.manifestUrl;
      } else {
        const url = URL.createObjectURL(new Blob([JSON.stringify(answer, null, 2)], { type: "application/json" }));
        link.href = url;
        link.download = `media-export-${new Date().toISOString().slice(0, 10)}.json`;
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
      }
      link.click();
      setReady("Your export is downloading. Its links work for an hour.");
    });
  return (
    <Section title="Your data">
      <div class="form">
        <ErrorMessage error={form.error} />
        <p>A JSON file listing every file with its details and a download link for each (valid an hour).</p>
        {ready && <p role="status">{ready}</p>}
        <button type="button" class="button" onClick={run} disabled={form.busy}>
          Export my data
        </button>
      </div>
    </Section>
  );
}

function DeleteSection({ account, email, ended }: { account: AccountApi; email: string; ended: (notice: string) => void }) {
  const [typed, setTyped] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const form = useSubmit();
  const confirmed = email !== "" && typed.trim().toLowerCase() === email.toLowerCase();
  const submit = () =>
    form.run(async () => {
      await account.deleteAccount(password, code.trim() || undefined);
      ended("Your account and all its files are deleted.");
    });
  return (
    <Section title="Delete account">
      <form class="form" onSubmit={(e) => (e.preventDefault(), submit())}>
        <ErrorMessage error={form.error} />
        <p>Deletes your account and every file, thumbnail and share link. This cannot be undone.</p>
        <Field label={`Type your email (${email}) to confirm`} type="email" autoComplete="off" value={typed} onValue={setTyped} required />
        <Field label="Your password" type="password" autoComplete="current-password" value={password} onValue={setPassword} required error={form.error} field="password" />
        <Field label="Code from the app (if two-step sign-in is on)" autoComplete="one-time-code" inputMode="numeric" value={code} onValue={setCode} error={form.error} field="code" />
        <button type="submit" class="button danger" disabled={form.busy || !confirmed}>
          Delete my account
        </button>
      </form>
    </Section>
  );
}
