// The shapes of /api/audit, looked up in the generated schema (`make api-types`).
import type { ResponseOf } from "../../api/types";

export type AuditPage = ResponseOf<"/api/audit", "get">;
/** Records pushed live (`audit.record` on the `audit` topic) are the same without `details`. */
export type AuditRecord = AuditPage["records"][number];
export type AuditResult = AuditRecord["result"];
export type AuditVerification = ResponseOf<"/api/audit/verify", "get">;
