import { Eye, EyeOff, KeyRound } from "lucide-react";
import { type FormEvent, useId, useState } from "react";
import { Navigate, useSearchParams } from "react-router";
import { isApiError } from "../../api/client";
import { Button } from "../../components/ui/Button";
import { Logo } from "../../components/ui/Logo";
import { type Credentials, useLogin, useMe } from "./queries";

function safeNext(next: string | null): string {
  // Only same-app paths: never bounce a user to another origin after login.
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

function loginErrorMessage(error: unknown): string {
  if (isApiError(error)) {
    if (error.status === 401) return "That token was not accepted. Check it and try again.";
    if (error.status === 429) return "Too many attempts. Wait a moment and try again.";
    return error.message;
  }
  return "Could not sign in. Try again.";
}

export function LoginPage() {
  const me = useMe();
  const [params] = useSearchParams();
  const login = useLogin();
  const [token, setToken] = useState("");
  const [reveal, setReveal] = useState(false);
  const tokenId = useId();
  const errorId = useId();

  if (me.isSuccess) return <Navigate to={safeNext(params.get("next"))} replace />;

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!token.trim() || login.isPending) return;
    // Password login (name + password) becomes a second mode here, chosen by a tab.
    const credentials: Credentials = { mode: "token", token: token.trim() };
    login.mutate(credentials);
  };

  const error = login.isError ? loginErrorMessage(login.error) : null;

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
          <label htmlFor={tokenId} className="block text-sm font-medium text-slate-800">
            Admin token
          </label>
          <div className="relative mt-1.5">
            <KeyRound
              aria-hidden="true"
              className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-slate-400"
            />
            <input
              id={tokenId}
              name="token"
              type={reveal ? "text" : "password"}
              autoComplete="current-password"
              autoFocus
              spellCheck={false}
              value={token}
              onChange={(e) => {
                setToken(e.target.value);
                if (login.isError) login.reset();
              }}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? errorId : undefined}
              placeholder="Paste your token"
              className={
                "block h-10 w-full rounded-lg border bg-white pr-10 pl-9 font-mono text-sm text-slate-900 " +
                "placeholder:font-sans placeholder:text-slate-400 focus:ring-2 focus:outline-none " +
                (error
                  ? "border-rose-400 focus:border-rose-500 focus:ring-rose-500/20"
                  : "border-slate-300 focus:border-indigo-500 focus:ring-indigo-500/20")
              }
            />
            <button
              type="button"
              onClick={() => setReveal((r) => !r)}
              aria-label={reveal ? "Hide token" : "Show token"}
              className="absolute top-1/2 right-2 -translate-y-1/2 rounded p-1 text-slate-400 hover:text-slate-700"
            >
              {reveal ? <EyeOff className="size-4" /> : <Eye className="size-4" />}
            </button>
          </div>
          <p className="mt-2 text-xs text-slate-500">
            The token <code className="font-mono text-slate-700">swarmdeck up</code> printed at first
            start, or the value of{" "}
            <code className="font-mono text-slate-700">SWARMDECK_ADMIN_TOKEN</code>.
          </p>

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
            disabled={!token.trim()}
            className="mt-5 h-10 w-full"
          >
            {login.isPending ? "Signing in…" : "Sign in"}
          </Button>
        </form>
      </div>
    </main>
  );
}
