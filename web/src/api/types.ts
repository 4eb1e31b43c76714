// Response and request types derived from the generated OpenAPI paths, so a regenerated
// schema.d.ts keeps these names working whatever the server calls its models.
import type { paths } from "./schema";

type Method = "get" | "post" | "put" | "patch" | "delete";

type Operation<P extends keyof paths, M extends Method> = M extends keyof paths[P]
  ? NonNullable<paths[P][M]>
  : never;

/** The JSON body of the first 2xx response of an operation. */
export type ResponseOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { responses: infer R }
    ? R extends { 200: { content: { "application/json": infer T } } }
      ? T
      : R extends { 201: { content: { "application/json": infer T } } }
        ? T
        : R extends { 202: { content: { "application/json": infer T } } }
          ? T
          : never
    : never;

/** The JSON request body of an operation. */
export type BodyOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: { content: { "application/json": infer T } } }
    ? T
    : never;

export type LoginRequest = BodyOf<"/api/login", "post">;
export type LoginResponse = ResponseOf<"/api/login", "post">;
export type Me = ResponseOf<"/api/me", "get">;
export type SystemStatus = ResponseOf<"/api/system/status", "get">;
export type ComponentStatus = SystemStatus["components"][number];
export type SettingsResponse = ResponseOf<"/api/settings", "get">;
