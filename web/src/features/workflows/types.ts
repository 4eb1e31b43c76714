// The shapes of `GET /api/workflows` (generated schema).
import type { ResponseOf } from "../../api/types";

export type Executions = ResponseOf<"/api/workflows", "get">;
export type Execution = Executions["executions"][number];
export type ExecutionStatus = Execution["status"];
