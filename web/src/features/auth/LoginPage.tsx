import { Eye, EyeOff, KeyRound, LockKeyhole, UserRound } from "lucide-react";
import { type FormEvent, type ReactNode, useEffect, useId, useState } from "react";
import { Navigate, useSearchParams } from "react-router";
import { isApiError } from "../../api/client";
import { Button } from "../../components/ui/Button";
import { Logo } from "../../components/ui/Logo";
import { cn } from "../../lib/cn";
import { type Credentials, useLogin, useMe } from "./queries";

type Mode = Credentials["mode"];

function safeNext(next: string | null): string {
  // Only same-app paths: never bounce a user to another origin after login.
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

function loginErrorMessage(error: unknown, mode: Mode, waitSeconds: number): string {
  if (isApiError(error)) {
    if (error.status === 401) {
      return mode === "token"
        ? "That token was not accepted. Check it and try again."
        : "That name and password were not accepted. Check them and try again.";
    }
    if (error.status === 429) {
      return waitSeconds > 0
        ? `Too many attempts, try again in ${waitSeconds} s.`
        : "Too many attempts. You can try again now.";
    }
    return error.message;
  }
  return "Could not sign in. Try again.";
}

/** Seconds left before a rate-limited login may be tried again, counting down once a second. */
function useRetryCountdown(error: unknown): number {
  const retryAfter = isApiError(error) && error.status === 429 ? (error.retryAfter ?? 60) : 0;
  const [until, setUntil] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!retryAfter) return setUntil(0);
    const end = Date.now() + retryAfter * 1000;
    setUntil(end);
    setNow(Date.now());
    const timer = window.setInterval(() => {
      setNow(Date.now());
      if (Date.now() >= end) window.clearInterval(timer);
    }, 250);
    return () => window.clearInterval(timer);
  }, [error, retryAfter]);
  return until ? Math.max(0, Math.ceil((until - now) / 1000)) : 0;
}

interface SecretInputProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  name: string;
  placeholder?: string;
  autoFocus?: boolean;
  mono?: boolean;
  invalid: boolean;
  describedBy: string | undefined;
}

const INPUT =
  "block h-10 w-full rounded-lg border bg-white pl-9 text-sm text-slate-900 placeholder:font-sans " +
  "placeholder:text-slate-400 focus:ring-2 focus:outline-none";

function inputTone(invalid: boolean): string {
  return invalid
    ? "border-rose-400 focus:border-rose-500 focus:ring-rose-500/20"
    : "border-slate-300 focus:border-indigo-500 focus:ring-indigo-500/20";
}

function IconInput({ icon, children }: { icon: ReactNode; children: ReactNode }) {
  return (
    <div className="relative mt-1.5">
      <span className="pointer-events-none absolute top-1/2 left-3 -translate-y-1/2 text-slate-400">{icon}</span>
      {children}
    </div>
  );
}

function SecretInput({ id, label, value, onChange, name, placeholder, autoFocus, mono, invalid, describedBy }: SecretInputProps) {
  const [reveal, setReveal] = useState(false);
  const Icon = name === "token" ? KeyRound : LockKeyhole;
  return (
    <IconInput icon={<Icon aria-hidden="true" className="size-4" />}>
      <input
        id={id}
        name={name}
        type={reveal ? "text" : "password"}
        autoComplete="current-password"
        autoFocus={autoFocus}
        spellCheck={false}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        placeholder={placeholder}
        className={cn(INPUT, "pr-10", mono && "font-mono", inputTone(invalid))}
      />
      <button
        type="button"
        onClick={() => setReveal((r) => !r)}
        aria-label={reveal ? `Hide ${label.toLowerCase()}` : `Show ${label.toLowerCase()}`}
        className="absolute top-1/2 right-2 -translate-y-1/2 rounded p-1 text-slate-400 hover:text-slate-700"
      >
        {reveal ? <EyeOff className="size-4" /> : <Eye className="size-4" />}
      </button>
    </IconInput>
  );
}

export function LoginPage() {
  const me = useMe();
  const [params] = useSearchParams();
  const login = useLogin();
  const [mode, setMode] = useState<Mode>("password");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [token, setToken] = useState("");
  const nameId = useId();
  const secretId = useId();
  const errorId = useId();
  const waitSeconds = useRetryCountdown(login.error);

  if (me.isSuccess) return <Navigate to={safeNext(params.get("next"))} replace />;

  const credentials: Credentials =
    mode === "token" ? { mode, token: token.trim() } : { mode, name: name.trim(), password };
  const complete = credentials.mode === "token" ? credentials.token !== "" : credentials.name !== "" && credentials.password !== "";

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!complete || login.isPending || waitSeconds > 0) return;
    login.mutate(credentials);
  };

  const edited = () => {
    if (login.isError && waitSeconds === 0) login.reset();
  };
  const switchMode = (next: Mode) => {
    setMode(next);
    if (waitSeconds === 0) login.reset();
  };

  const error = login.isError ? loginErrorMessage(login.error, mode, waitSeconds) : null;
  const invalid = error !== null && isApiError(login.error) && login.error.status === 401;

  return (
    <main className="relative flex min-h-screen items-center justify-center overflow-hidden bg-slate-950 px-4">
      <div
        aria-hidden="true"
        className="pointer-events-none absolute inset-0 bg-[radial-gradient(ellipse_at_top,rgba(99,102,241,0.22),transparent_60%)]"
      />
      <div className="relative w-full max-w-sm">
        <div className="mb-8 flex flex-col items-center text-center">
          <Logo className="size-11" />
          <h1 className="mt-4 text-xl font-semibold tracking-tight text-white">Sign in to SwarmDeck</h1>
          <p className="mt-1 text-sm text-slate-400">The control plane for your LLM agents</p>
        </div>

        <form
          onSubmit={onSubmit}
          noValidate
          aria-label="Sign in"
          className="rounded-2xl border border-white/10 bg-white p-6 shadow-2xl shadow-black/40"
        >
          {mode === "password" ? (
            <div className="space-y-4" key="password">
              <div>
                <label htmlFor={nameId} className="block text-sm font-medium text-slate-800">
                  Name
                </label>
                <IconInput icon={<UserRound aria-hidden="true" className="size-4" />}>
                  <input
                    id={nameId}
                    name="username"
                    autoComplete="username"
                    autoFocus
                    spellCheck={false}
                    autoCapitalize="none"
                    value={name}
                    onChange={(e) => {
                      setName(e.target.value);
                      edited();
                    }}
                    aria-invalid={invalid || undefined}
                    aria-describedby={error ? errorId : undefined}
                    className={cn(INPUT, "pr-3", inputTone(invalid))}
                  />
                </IconInput>
              </div>
              <div>
                <label htmlFor={secretId} className="block text-sm font-medium text-slate-800">
                  Password
                </label>
                <SecretInput
                  id={secretId}
                  label="Password"
                  name="password"
                  value={password}
                  onChange={(value) => {
                    setPassword(value);
                    edited();
                  }}
                  invalid={invalid}
                  describedBy={error ? errorId : undefined}
                />
              </div>
            </div>
          ) : (
            <div key="token">
              <label htmlFor={secretId} className="block text-sm font-medium text-slate-800">
                Admin token
              </label>
              <SecretInput
                id={secretId}
                label="Token"
                name="token"
                value={token}
                onChange={(value) => {
                  setToken(value);
                  edited();
                }}
                placeholder="Paste your token"
                autoFocus
                mono
                invalid={invalid}
                describedBy={error ? errorId : undefined}
              />
              <p className="mt-2 text-xs text-slate-500">
                The token <code className="font-mono text-slate-700">swarmdeck up</code> printed at first start, or the
                value of <code className="font-mono text-slate-700">SWARMDECK_ADMIN_TOKEN</code>.
              </p>
            </div>
          )}

          {error ? (
            <div
              id={errorId}
              role="alert"
              className="mt-4 rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-700"
            >
              {error}
            </div>
          ) : null}

          <Button
            type="submit"
            variant="primary"
            loading={login.isPending}
            disabled={!complete || waitSeconds > 0}
            className="mt-5 h-10 w-full"
          >
            {login.isPending ? "Signing in…" : waitSeconds > 0 ? `Try again in ${waitSeconds} s` : "Sign in"}
          </Button>

          <p className="mt-4 text-center text-sm">
            <button
              type="button"
              onClick={() => switchMode(mode === "password" ? "token" : "password")}
              className="font-medium text-indigo-600 hover:text-indigo-500"
            >
              {mode === "password" ? "Use an admin token instead" : "Use a name and password instead"}
            </button>
          </p>
        </form>
      </div>
    </main>
  );
}
