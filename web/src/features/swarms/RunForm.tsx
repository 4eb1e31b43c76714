import { Play } from "lucide-react";
import { type FormEvent, useState } from "react";
import { describeError } from "../../api/client";
import { Button } from "../../components/ui/Button";
import { Card, CardHeader } from "../../components/ui/Card";
import { FormError } from "../../components/ui/Dialog";
import { Field, TextArea } from "../../components/ui/Field";
import { toast } from "../../components/ui/toastStore";
import { shortId } from "./format";
import { useStartRun } from "./queries";
import type { Swarm } from "./types";

/** A task for the swarm, started as a run (`swarm:execute`); the graph above follows it. */
export function RunForm({ swarm }: { swarm: Swarm }) {
  const [task, setTask] = useState("");
  const start = useStartRun();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!task.trim()) return;
    start.mutate(
      { swarm: swarm.name, task: task.trim() },
      {
        onSuccess: (run) => {
          setTask("");
          toast.success(`Run ${shortId(run.id)} started`, `${run.agents.length} agents of ${swarm.name} are on it.`);
        },
      },
    );
  };

  return (
    <Card data-testid="swarm-run-form" className="h-full">
      <CardHeader title="Run" description={`Give ${swarm.name} a task; its ${swarm.agent_count} agents take it on.`} />
      <form className="space-y-3 p-5" onSubmit={submit}>
        <Field label="Task">
          {({ id }) => (
            <TextArea
              id={id}
              rows={3}
              value={task}
              maxLength={100_000}
              placeholder="What should the swarm work on?"
              onChange={(e) => setTask(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) submit(e);
              }}
            />
          )}
        </Field>
        <FormError>{start.isError ? describeError(start.error) : null}</FormError>
        <div className="flex items-center justify-between gap-3">
          <p className="text-xs text-slate-500">Ctrl+Enter runs it. The run goes on if you leave the page.</p>
          <Button type="submit" variant="primary" loading={start.isPending} disabled={!task.trim()}>
            {start.isPending ? null : <Play className="size-3.5" aria-hidden="true" />}
            Run
          </Button>
        </div>
      </form>
    </Card>
  );
}
