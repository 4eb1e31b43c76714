import { FileCode, FileX, Search, SlidersHorizontal } from "lucide-react";
import { useMemo, useState } from "react";
import { Card, CardHeader } from "../../components/ui/Card";
import { EmptyState } from "../../components/ui/EmptyState";
import { ErrorState } from "../../components/ui/ErrorState";
import { PageHeader } from "../../components/ui/PageHeader";
import { Skeleton } from "../../components/ui/Skeleton";
import { flattenSettings, MASK } from "./flatten";
import { useSettings } from "./queries";
import { SettingValue } from "./SettingValue";

function LoadingSettings() {
  return (
    <div className="space-y-6" aria-busy="true">
      <Card className="p-5">
        <Skeleton className="h-4 w-32" />
        <Skeleton className="mt-3 h-4 w-80" />
      </Card>
      <Card className="p-5">
        {[0, 1, 2, 3, 4, 5].map((i) => (
          <div key={i} className="flex gap-8 py-2.5">
            <Skeleton className="h-4 w-48" />
            <Skeleton className="h-4 w-64" />
          </div>
        ))}
      </Card>
    </div>
  );
}

export function SettingsPage() {
  const settings = useSettings();
  const [filter, setFilter] = useState("");

  const rows = useMemo(
    () => (settings.data ? flattenSettings(settings.data.settings) : []),
    [settings.data],
  );
  const visible = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    if (!needle) return rows;
    return rows.filter(
      (row) =>
        row.key.toLowerCase().includes(needle) ||
        (typeof row.value === "string" && row.value !== MASK && row.value.toLowerCase().includes(needle)),
    );
  }, [rows, filter]);
  const secrets = rows.filter((row) => row.value === MASK).length;

  return (
    <div className="space-y-6">
      <PageHeader
        title="Settings"
        description="What this server runs with: deployment settings from SWARMDECK_* environment variables, product settings from the YAML config file. Secrets are masked by the server."
      />

      {settings.isPending ? (
        <LoadingSettings />
      ) : settings.isError ? (
        <Card>
          <ErrorState error={settings.error} what="settings" onRetry={() => void settings.refetch()} />
        </Card>
      ) : (
        <>
          <Card className="flex items-center gap-4 px-5 py-4">
            <div className="flex size-9 shrink-0 items-center justify-center rounded-lg bg-slate-100 text-slate-600">
              {settings.data.config_file ? (
                <FileCode className="size-4.5" aria-hidden="true" />
              ) : (
                <FileX className="size-4.5" aria-hidden="true" />
              )}
            </div>
            <div className="min-w-0">
              <p className="text-sm font-semibold text-slate-900">Config file</p>
              {settings.data.config_file ? (
                <p
                  data-testid="config-file"
                  className="truncate font-mono text-sm text-slate-600"
                  title={settings.data.config_file}
                >
                  {settings.data.config_file}
                </p>
              ) : (
                <p data-testid="config-file" className="text-sm text-slate-500">
                  None: running on defaults and <code className="font-mono">SWARMDECK_*</code> environment
                  variables.
                </p>
              )}
            </div>
          </Card>

          <Card data-testid="effective-settings">
            <CardHeader
              title="Effective settings"
              description={`${rows.length} values${secrets ? `, ${secrets} of them secret` : ""}`}
              actions={
                <label className="relative block">
                  <span className="sr-only">Filter settings</span>
                  <Search
                    aria-hidden="true"
                    className="pointer-events-none absolute top-1/2 left-2.5 size-3.5 -translate-y-1/2 text-slate-400"
                  />
                  <input
                    type="search"
                    value={filter}
                    onChange={(e) => setFilter(e.target.value)}
                    placeholder="Filter"
                    className="h-8 w-56 rounded-lg border border-slate-300 bg-white pr-3 pl-8 text-sm text-slate-900 placeholder:text-slate-400 focus:border-indigo-500 focus:ring-2 focus:ring-indigo-500/20 focus:outline-none"
                  />
                </label>
              }
            />
            {rows.length === 0 ? (
              <EmptyState icon={SlidersHorizontal} title="No settings reported" />
            ) : visible.length === 0 ? (
              <EmptyState icon={Search} title="No setting matches" description={`Nothing matches “${filter}”.`} />
            ) : (
              <table className="w-full table-fixed text-left">
                <thead>
                  <tr className="border-b border-slate-100 bg-slate-50/60 text-[11px] font-semibold tracking-wide text-slate-500 uppercase">
                    <th scope="col" className="w-2/5 px-5 py-2 font-semibold">
                      Key
                    </th>
                    <th scope="col" className="px-5 py-2 font-semibold">
                      Value
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {visible.map((row) => (
                    <tr key={row.key} className="align-top hover:bg-slate-50">
                      <th
                        scope="row"
                        className="px-5 py-2.5 font-mono text-sm font-medium break-all text-slate-700"
                      >
                        {row.key}
                      </th>
                      <td className="px-5 py-2.5">
                        <SettingValue value={row.value} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>

          <Card data-testid="file-config">
            <CardHeader
              title="File configuration"
              description={
                settings.data.config_file
                  ? "What the YAML config file sets, with defaults for anything it leaves out."
                  : "No config file is loaded, so these are the defaults."
              }
            />
            {Object.keys(settings.data.file).length === 0 ? (
              <EmptyState
                icon={FileCode}
                title="The config file sets nothing"
                description={
                  settings.data.config_file
                    ? "The file exists but sets no values."
                    : "No config file is in use, so every value comes from defaults or the environment."
                }
              />
            ) : (
              <pre className="overflow-x-auto rounded-b-xl bg-slate-950 px-5 py-4 font-mono text-[13px] leading-relaxed text-slate-200">
                {JSON.stringify(settings.data.file, null, 2)}
              </pre>
            )}
          </Card>
        </>
      )}
    </div>
  );
}
