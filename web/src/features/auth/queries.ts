import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "react-router";
import { api } from "../../api/client";
import type { LoginResponse, Me } from "../../api/types";

export const meQueryKey = ["auth", "me"] as const;

export const fetchMe = () => api<Me>("/api/me");

/** The logged-in principal; a 401 error means "show the login screen". */
export function useMe() {
  return useQuery({ queryKey: meQueryKey, queryFn: fetchMe, staleTime: 60_000 });
}

/** How a person proves who they are: a user's name and password, or an admin or API token. */
export type Credentials =
  | { mode: "token"; token: string }
  | { mode: "password"; name: string; password: string };

function loginBody(credentials: Credentials): Record<string, string> {
  return credentials.mode === "token"
    ? { token: credentials.token }
    : { name: credentials.name, password: credentials.password };
}

export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (credentials: Credentials) => {
      const who = await api<LoginResponse>("/api/login", { body: loginBody(credentials) });
      // Load the new identity before routing, so the shell renders with it at once.
      await queryClient.fetchQuery({ queryKey: meQueryKey, queryFn: fetchMe });
      return who;
    },
  });
}

/** End the session, forget everything cached for this user, and show the login screen. */
export function useLogout() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: () => api<void>("/api/logout", { method: "POST" }),
    onSettled: () => {
      // Log out locally even if the server call failed: the session is unusable either way.
      // Queries go first, so the login page does not find a cached identity and bounce back.
      queryClient.getQueryCache().clear();
      void navigate("/login", { replace: true });
    },
  });
}
