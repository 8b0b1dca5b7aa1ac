"""python -m e2e.stack up|down|status|env [--profile ha] [SERVER ...] | secret --namespace NS"""

from __future__ import annotations

import argparse
import shlex
import sys

from e2e.stack import datastores_secret, leases, runner
from e2e.stack.registry import PROFILES, all_services, in_profile, select
from e2e.stack.service import StackContext, StackError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m e2e.stack", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status", "env", "secret"])
    parser.add_argument(
        "servers", nargs="*", metavar="SERVER", help=f"some of: {' '.join(all_services())} (default: all)"
    )
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        help="a profile's servers instead of the default ones (ha: replicated stores, a node per network namespace)",
    )
    secret = parser.add_argument_group("secret: Secret rookery-datastores with the addresses pods reach")
    secret.add_argument("--namespace", help="the namespace to write it into (created when absent)")
    secret.add_argument(
        "--oidc",
        choices=["keycloak", "embedded"],
        default="keycloak",
        help="keycloak: the stack's realm (and the gateway client's keys); embedded: Rookery issues tokens",
    )
    secret.add_argument("--kubeconfig", help="default: the stack's admin kubeconfig")
    args = parser.parse_args(argv)
    if args.command == "secret" and (not args.namespace or args.servers):
        parser.error("secret takes --namespace NS and no SERVER")
    if args.profile and not args.servers:
        args.servers = in_profile(args.profile)
    try:
        if args.command == "secret":
            datastores_secret.write(args.namespace, oidc=args.oidc, kubeconfig=args.kubeconfig)
        elif args.command == "up":
            runner.up(args.servers, out=lambda line: print(line, flush=True))
            # started or reused by hand: test sessions must not stop these when they end
            leases.unmark(StackContext.default(), [s.name for s in select(args.servers)])
        elif args.command == "down":
            runner.down(args.servers, out=lambda line: print(line, flush=True))
        elif args.command == "status":
            rows = runner.status(args.servers)
            print(f"{'server':<11} {'healthy':<8} {'ours':<5} {'rss':>7}  {'ports':<22} version")
            for r in rows:
                ours = "-" if r["ours"] is None else ("yes" if r["ours"] else "no")
                rss = f"{r['rss_mib']}MiB" if r["rss_mib"] is not None else "-"
                ports = ",".join(map(str, r["ports"]))  # type: ignore[call-overload]
                print(
                    f"{r['name']:<11} {'yes' if r['healthy'] else 'no':<8} {ours:<5} {rss:>7}  {ports:<22} "
                    f"{r['version']}"
                )
                for m in r.get("members") or []:  # type: ignore[attr-defined]
                    state = f"pid {m['pid']}" if m["pid"] else "down"
                    if m["pid"] and not m["listening"]:
                        state += ", not listening"
                    mib = f"{m['rss_mib']}MiB" if m["rss_mib"] else "-"
                    print(f"  {m['name']:<12} {m['address']:<18} {state:<24} {mib:>7}  {m['log']}")
        else:
            env = runner.env(args.servers)
            if args.profile:  # the profile's stores under Rookery's own names
                for svc in select(args.servers):
                    env.update(getattr(svc, "rookery_env", lambda ctx: {})(StackContext.default()))
            for key, value in env.items():
                print(f"export {key}={shlex.quote(value)}")
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
