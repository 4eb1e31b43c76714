import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import { meQueryKey } from "../auth/queries";
import type { ApiKey, CreatedKey, NewKey, NewRole, NewUser, Role, User, UserChange } from "./types";

export const usersQueryKey = ["access", "users"] as const;
export const keysQueryKey = ["access", "keys"] as const;
export const rolesQueryKey = ["access", "roles"] as const;

const path = (base: string, name: string) => `${base}/${encodeURIComponent(name)}`;

export function useUsers(enabled = true) {
  return useQuery({ queryKey: usersQueryKey, queryFn: () => api<User[]>("/api/users"), enabled });
}

export function useKeys(enabled = true) {
  return useQuery({ queryKey: keysQueryKey, queryFn: () => api<ApiKey[]>("/api/keys"), enabled });
}

export function useRoles(enabled = true) {
  return useQuery({ queryKey: rolesQueryKey, queryFn: () => api<Role[]>("/api/roles"), enabled });
}

/** After any change to access, users, keys, roles and one's own permissions may all differ. */
function useInvalidateAccess() {
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ["access"] }),
      queryClient.invalidateQueries({ queryKey: meQueryKey }),
    ]);
}

export function useCreateUser() {
  const invalidate = useInvalidateAccess();
  return useMutation({
    mutationFn: (body: NewUser) => api<User>("/api/users", { body }),
    onSuccess: invalidate,
  });
}

export function useUpdateUser() {
  const invalidate = useInvalidateAccess();
  return useMutation({
    mutationFn: ({ name, change }: { name: string; change: UserChange }) =>
      api<User>(path("/api/users", name), { method: "PATCH", body: change }),
    onSuccess: invalidate,
  });
}

export function useDeleteUser() {
  const invalidate = useInvalidateAccess();
  return useMutation({
    mutationFn: (name: string) => api<void>(path("/api/users", name), { method: "DELETE" }),
    onSuccess: invalidate,
  });
}

export function useCreateKey() {
  const invalidate = useInvalidateAccess();
  return useMutation({
    mutationFn: (body: NewKey) => api<CreatedKey>("/api/keys", { body }),
    // Refetch rather than insert the answer: the secret must never reach the query cache.
    onSuccess: invalidate,
  });
}

export function useRevokeKey() {
  const invalidate = useInvalidateAccess();
  return useMutation({
    mutationFn: (id: string) => api<void>(path("/api/keys", id), { method: "DELETE" }),
    onSuccess: invalidate,
  });
}

export function useSaveRole() {
  const invalidate = useInvalidateAccess();
  return useMutation({
    mutationFn: ({ body, existing }: { body: NewRole; existing: boolean }) => {
      const { name, ...change } = body; // PUT names the role in the path only.
      return existing
        ? api<Role>(path("/api/roles", name), { method: "PUT", body: change })
        : api<Role>("/api/roles", { body });
    },
    onSuccess: invalidate,
  });
}

export function useDeleteRole() {
  const invalidate = useInvalidateAccess();
  return useMutation({
    mutationFn: (name: string) => api<void>(path("/api/roles", name), { method: "DELETE" }),
    onSuccess: invalidate,
  });
}
