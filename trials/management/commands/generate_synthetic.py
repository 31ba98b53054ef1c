"""Fill a separate database with synthetic trials and studies (benchmarks, load tests)."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from trials.synthetic import SyntheticError, synthetic_generate


class Command(BaseCommand):
    help = (
        "Generate synthetic, clearly marked trials and studies into the database that "
        "DATABASE_URL names. It must not hold curated records: use a separate database, "
        "e.g. DATABASE_URL=sqlite:////tmp/synthetic.sqlite3 (run migrate first)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--trials", type=int, required=True)
        parser.add_argument("--studies", type=int, default=0)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the synthetic trials and studies already in the database.",
        )

    def handle(self, *args, trials, studies, seed, batch_size, force, **options):
        started = time.perf_counter()
        interactive = sys.stdout.isatty()

        def progress(label: str, done: int, total: int) -> None:
            width = 30
            filled = width * done // total if total else width
            bar = "#" * filled + "-" * (width - filled)
            line = (
                f"{label:>16} [{bar}] {done:>7}/{total} "
                f"{time.perf_counter() - started:6.1f} s"
            )
            # A redrawn bar on a terminal; one line per batch in logs.
            if interactive:
                self.stdout.write(f"\r{line}", ending="" if done < total else "\n")
            else:
                self.stdout.write(line)
            self.stdout.flush()

        try:
            result = synthetic_generate(
                trials=trials,
                studies=studies,
                seed=seed,
                force=force,
                batch_size=batch_size,
                progress=progress,
            )
        except SyntheticError as exc:
            raise CommandError(f"Refused: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {result.trials} synthetic trials and {result.studies} "
                f"studies in {result.seconds:.1f} s (seed {seed})."
            )
        )
