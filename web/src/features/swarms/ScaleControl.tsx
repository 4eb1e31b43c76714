import { type FormEvent, useState } from "react";
import { describeError } from "../../api/client";
import { Button } from "../../components/ui/Button";
import { Card, CardHeader } from "../../components/ui/Card";
import { FormError } from "../../components/ui/Dialog";
import { Field, TextInput } from "../../components/ui/Field";
import { toast } from "../../components/ui/toastStore";
import { useScaleSwarm } from "./queries";
import { elasticAgent } from "./scale";
import type { Swarm } from "./types";

/** Set how many agent instances later runs get (`agent:write:scale`); remounted per swarm. */
export function ScaleControl({ swarm }: { swarm: Swarm }) {
  const [text, setText] = useState(String(swarm.agent_count));
  const scale = useScaleSwarm();
  const elastic = elasticAgent(swarm);
  const value = Number(text);
  const valid = Number.isInteger(value) && value >= swarm.scale_min && value <= swarm.scale_max;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!valid) return;
    scale.mutate(
      { swarm: swarm.name, agents: value },
      {
        onSuccess: (scaled) =>
          toast.success(`${swarm.name} scaled to ${scaled.agent_count} agents`, "Later runs get them; runs in flight keep theirs."),
      },
    );
  };

  return (
    <Card data-testid="swarm-scale" className="h-full">
      <CardHeader title="Scale" description="Agent instances of later runs." />
      <form className="space-y-3 p-5" onSubmit={submit}>
        <Field
          label="Agent instances"
          hint={
            <>
              {swarm.scale_min} to {swarm.scale_max}; <span className="font-mono text-slate-700">{elastic}</span> takes the
              difference.
            </>
          }
        >
          {({ id, hintId }) => (
            <div className="flex gap-2">
              <TextInput
                id={id}
                type="number"
                inputMode="numeric"
                min={swarm.scale_min}
                max={swarm.scale_max}
                step={1}
                value={text}
                aria-describedby={hintId}
                aria-invalid={!valid}
                onChange={(e) => setText(e.target.value)}
                className="w-24 tabular-nums"
              />
              <Button type="submit" loading={scale.isPending} disabled={!valid || value === swarm.agent_count}>
                Apply
              </Button>
            </div>
          )}
        </Field>
        <FormError>{scale.isError ? describeError(scale.error) : null}</FormError>
      </form>
    </Card>
  );
}
