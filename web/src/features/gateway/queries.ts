import { useMutation, useQuery } from "@tanstack/react-query";
import { api, apiResponse } from "../../api/client";
import type { ChatCompletion, ChatMessage, GatewayModel, ModelList } from "./types";

export const gatewayQueryKey = ["gateway"] as const;
export const gatewayModelsQueryKey = [...gatewayQueryKey, "models"] as const;

/** Aliases and deployments with health; refreshed by calls (live) and every 15 s for circuits. */
export function useGatewayModels() {
  return useQuery({
    queryKey: gatewayModelsQueryKey,
    queryFn: ({ signal }) => api<{ models: GatewayModel[] }>("/api/gateway/models", { signal }),
    refetchInterval: 15_000,
  });
}

/** The aliases the playground may call, as the OpenAI SDK would list them. */
export function useCallableModels() {
  return useQuery({
    queryKey: [...gatewayQueryKey, "v1-models"],
    queryFn: ({ signal }) => api<ModelList>("/v1/models", { signal }),
    staleTime: 60_000,
  });
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  maxTokens?: number;
  cache: "semantic" | "exact" | "off";
}

export interface ChatResult {
  completion: ChatCompletion;
  /** `x-swarmdeck-cache`: hit, semantic-hit, miss or off. */
  cache: string | null;
  /** The model and provider that answered (a fallback may have). */
  servedModel: string | null;
  servedProvider: string | null;
  /** `x-swarmdeck-call-id`: the ledger row this call is written as. */
  callId: string | null;
  /** `x-swarmdeck-cost-usd`: what the call cost, as a decimal string. */
  costUsd: string | null;
  /** Round trip as the browser saw it. */
  elapsedMs: number;
  sentAt: number;
}

/** The agent name playground calls carry, so their ledger rows (and cost) can be found. */
export const PLAYGROUND_AGENT = "playground";

/** One chat through the gateway's OpenAI front door, with the session cookie and CSRF header. */
export function useChat() {
  return useMutation({
    mutationFn: async (request: ChatRequest): Promise<ChatResult> => {
      const sentAt = Date.now();
      const started = performance.now();
      const { data, headers } = await apiResponse<ChatCompletion>("/v1/chat/completions", {
        body: {
          model: request.model,
          messages: request.messages,
          ...(request.maxTokens ? { max_tokens: request.maxTokens } : {}),
        },
        headers: { "x-swarmdeck-agent": PLAYGROUND_AGENT, "x-swarmdeck-cache": request.cache },
      });
      return {
        completion: data,
        cache: headers.get("x-swarmdeck-cache"),
        servedModel: headers.get("x-swarmdeck-model"),
        servedProvider: headers.get("x-swarmdeck-provider"),
        callId: headers.get("x-swarmdeck-call-id"),
        costUsd: headers.get("x-swarmdeck-cost-usd"),
        elapsedMs: performance.now() - started,
        sentAt,
      };
    },
  });
}
