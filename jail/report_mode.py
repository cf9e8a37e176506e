"""Choose how a launch watches denied calls: report, audit, or not at all.

Reports are on by default: every denied call is named on stderr. --quiet
without --log loads the profile's plain filter stack, which no supervisor
watches; --audit lets everything through and sums up at exit.
"""

from __future__ import annotations

from jail import supervisor


def run(plan, record: dict, options) -> int:
    """Run the planned launch in the mode the options ask for."""
    audit = getattr(options, "audit", False)
    log_path = getattr(options, "log", None)
    if options.quiet and not log_path and not audit:
        return supervisor.run(plan, None)

    def profile():
        return plan.profile

    programs = _audit_programs(plan, record) if audit else None
    watcher = supervisor.attach(
        plan,
        record,
        profile,
        mode="audit" if audit else "report",
        quiet=options.quiet,
        log_path=log_path,
        programs=programs,
    )
    status = supervisor.run(plan, watcher)
    if audit and watcher is not None:
        from jail import audit as audit_summary

        audit_summary.print_summary(watcher, plan.profile)
    return status


def _audit_programs(plan, record: dict):
    from jail import report_filter
    from jail.errors import UsageError

    stack = [bpf for _role, bpf in record["programs"]]
    programs = report_filter.compile_report_programs(plan.profile, stack, audit=True)
    if programs is None:
        raise UsageError(f"{plan.profile_name}: --audit cannot watch a profile that admits foreign architectures")
    return programs
