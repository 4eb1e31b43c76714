"""What each pattern tells its agents, and how a planner's answer becomes parts.

Pure functions of their arguments: the run workflow calls them, so they must give the
same answer on every replay.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

DELEGATE = "delegate"
_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)]|\(\d+\))\s*")


def sequential_task(task: str, previous: tuple[str, str] | None) -> str:
    """The first agent gets the task; each next one also gets the previous agent's output."""
    if previous is None:
        return task
    name, output = previous
    return f"{task}\n\nThe previous agent ({name}) answered:\n{output}"


def planning_task(task: str, parts: int) -> str:
    return (
        f"Split the task below into {parts} independent parts that can be worked on at the "
        "same time. Answer with one part per line and nothing else.\n\n"
        f"Task: {task}"
    )


def part_task(task: str, part: str, index: int, total: int) -> str:
    return f"{part}\n\n(This is part {index} of {total} of the task: {task})"


def merge_task(task: str, answers: Sequence[tuple[str, str]]) -> str:
    blocks = "\n\n".join(f"[{name}]\n{answer}" for name, answer in answers)
    return (
        "Your workers answered their parts of the task below. Merge their answers into one "
        f"answer to the whole task.\n\nTask: {task}\n\n{blocks}"
    )


def supervisor_instructions(instructions: str, workers: Sequence[str]) -> str:
    guide = (
        f"You lead these workers: {', '.join(workers)}. Use the `{DELEGATE}` tool to give "
        "one of them (or, naming none, all of them) a task; you get their answers back. "
        "When you can answer the task, answer it."
    )
    return f"{instructions}\n\n{guide}" if instructions else guide


def delegate_function(workers: Sequence[str]) -> dict[str, Any]:
    """The OpenAI function a supervisor delegates with."""
    return {
        "type": "function",
        "function": {
            "name": DELEGATE,
            "description": "Give a task to a worker, or to every worker when none is named, "
            "and get the answers back.",
            "parameters": {
                "type": "object",
                "properties": {
                    "worker": {"type": "string", "enum": list(workers)},
                    "task": {"type": "string", "description": "the task; yours if absent"},
                },
            },
        },
    }


def answers_text(answers: Sequence[tuple[str, str]]) -> str:
    """Workers' answers as one tool result."""
    if len(answers) == 1:
        return answers[0][1]
    return "\n\n".join(f"[{name}]\n{answer}" for name, answer in answers)


def split_parts(plan: str, count: int, task: str) -> list[str]:
    """`count` parts from a planner's answer: a JSON list or one part per line. More lines
    than workers are grouped; fewer are shared round robin; none leaves every worker the
    whole task."""
    lines = _json_list(plan)
    if lines is None:
        lines = [_BULLET.sub("", line).strip() for line in plan.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return [task] * count
    if len(lines) <= count:
        return [lines[i % len(lines)] for i in range(count)]
    return ["\n".join(lines[i::count]) for i in range(count)]


def _json_list(text: str) -> list[str] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value]
    return None
