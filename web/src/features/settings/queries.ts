import { useQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { SettingsResponse } from "../../api/types";

export const settingsQueryKey = ["settings"] as const;

export function useSettings() {
  return useQuery({
    queryKey: settingsQueryKey,
    queryFn: () => api<SettingsResponse>("/api/settings"),
  });
}
