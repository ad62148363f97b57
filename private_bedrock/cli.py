"""`private-bedrock COMMAND [ARGS...]`: one entry point for the command-line tools.

Each command is a tool of private_bedrock/tools with its own options (`private-bedrock
COMMAND --help`); everything after COMMAND goes to it unchanged, and its exit status is
this command's. A tool is imported only when it is run, so `--help` needs none of their
dependencies (rich, boto3: `pip install "private-bedrock[tools]"`).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

PROG = "private-bedrock"


@dataclass(frozen=True)
class Command:
    module: str
    help: str
    # How the tool's main takes its arguments: "args" (argv without a program name),
    # "argv" (sys.argv-style, the program name first) or "stdin" (no arguments; reads stdin).
    calling: str = "args"


COMMANDS: dict[str, Command] = {
    "synth-report": Command("private_bedrock.tools.report.summary",
                            "what a synth built: stacks, endpoints, policies, cost (CDK_OUT, default cdk.out)", "argv"),
    "prove": Command("private_bedrock.tools.prove.__main__",
                     "the IAM allow/deny matrix of a cloud assembly; exit 1 on any cell not as designed"),
    "verify": Command("private_bedrock.tools.verify.regional",
                      "with credentials: invoke the deployed probe of --region R and judge it by the template; "
                      "--fleet <cdk.out or instances.json>: every StackSet instance"),
    "lookup": Command("private_bedrock.tools.lookup.account",
                      "with credentials: ask the account what synthesis needs and cache it in cdk.context.json"),
    "fence-ids": Command("private_bedrock.tools.lookup.fence_ids",
                         "with credentials: store the deployed endpoint ids the organisation fence names"),
    "mutation-summary": Command("private_bedrock.tools.dev.mutation_summary",
                                "the score of `mutmut results --all true` on stdin (make mutate)", "stdin"),
}
# What the tools import beyond the library's own dependencies (pyproject.toml's `tools` extra).
TOOLS_EXTRA = ("rich", "boto3", "botocore")
# `verify --fleet ...` is the fleet verifier (make verify FLEET=...): same verb, another tool.
FLEET_VERIFY = "private_bedrock.tools.verify.fleet"


def _parser() -> argparse.ArgumentParser:
    width = max(map(len, COMMANDS))
    listing = "\n".join(f"  {name:{width}}  {c.help}" for name, c in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Private Amazon Bedrock access: the command-line tools of the construct library.",
        epilog=f"commands:\n{listing}\n\n`{PROG} COMMAND --help` lists a command's options.")
    parser.add_argument("command", metavar="COMMAND", choices=list(COMMANDS), help="one of: " + ", ".join(COMMANDS))
    parser.add_argument("args", metavar="ARGS", nargs="*", help="the command's own arguments")
    return parser


def _is_fleet(args: Sequence[str]) -> bool:
    return any(a == "--fleet" or a.startswith("--fleet=") for a in args)


def _tool(name: str, args: list[str]) -> tuple[Callable[..., int], list]:
    command = COMMANDS[name]
    module = FLEET_VERIFY if name == "verify" and _is_fleet(args) else command.module
    main = importlib.import_module(module).main
    if command.calling == "argv":
        return main, [[f"{PROG} {name}", *args]]
    if command.calling == "stdin":
        return main, []
    return main, [args]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        _parser().error("name a COMMAND (" + ", ".join(COMMANDS) + "); --help says what each does")
    if args[0] not in COMMANDS:
        # No command, --help, or an unknown one: argparse prints the usage and exits (0 or 2).
        parsed = _parser().parse_args(args)
        args = [parsed.command, *parsed.args]
    name, rest = args[0], args[1:]
    if COMMANDS[name].calling == "stdin" and rest:
        _parser().error(f"{name} takes no arguments (it reads stdin), got {' '.join(rest)}")
    try:
        tool, call = _tool(name, rest)
        return tool(*call)
    except ModuleNotFoundError as err:
        # The tools import rich and boto3 where they use them, so this can come mid-run too.
        if err.name not in TOOLS_EXTRA:
            raise
        print(f"{PROG} {name} needs {err.name}, which the library alone does not install: "
              f"pip install \"private-bedrock[tools]\".", file=sys.stderr)
        return 2
