// The shapes of /api/users, /api/keys and /api/roles, looked up in the generated schema
// (`make api-types`), so a server change shows up here as a type error.
import type { BodyOf, ResponseOf } from "../../api/types";

export type User = ResponseOf<"/api/users", "get">[number];
export type NewUser = BodyOf<"/api/users", "post">;
export type UserChange = BodyOf<"/api/users/{name}", "patch">;

export type ApiKey = ResponseOf<"/api/keys", "get">[number];
export type NewKey = BodyOf<"/api/keys", "post">;
/** Only the create call returns the secret (`key`), and only once. */
export type CreatedKey = ResponseOf<"/api/keys", "post">;

/** `source` says where a role is defined: "builtin", "config" (the YAML file) or "api"; only "api" ones change here. */
export type Role = ResponseOf<"/api/roles", "get">[number];
export type NewRole = BodyOf<"/api/roles", "post">;
