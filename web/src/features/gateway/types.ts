// The shapes of /api/gateway/models (generated schema) and of the OpenAI-format front door,
// which is a plain route outside the OpenAPI document, so its few fields are spelled out here.
import type { ResponseOf } from "../../api/types";

export type GatewayModel = ResponseOf<"/api/gateway/models", "get">["models"][number];
export type Deployment = GatewayModel["deployments"][number];
export type Circuit = Deployment["circuit"];

/** `GET /v1/models`: the aliases this user may call. */
export interface ModelList {
  data: Array<{ id: string }>;
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** The parts of a `/v1/chat/completions` answer the playground shows. */
export interface ChatCompletion {
  id: string;
  model: string;
  choices: Array<{ message: { role: string; content: string | null }; finish_reason: string | null }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}
