#!/usr/bin/env python3
"""Command line of the IGS site generator.

    python build.py [build] [--content DIR] [--output DIR] [--base-url URL] [--drafts]
    python build.py check [--content DIR] [--external]
    python build.py serve [--host 127.0.0.1] [--port 8000]
    python build.py new igs|page SLUG | new article SLUG --type interview|spotlight|news [--igs SLUG]
    python build.py schemas                       # regenerate schemas/ from sitegen/schema.py

Exit codes: 0 success, 1 content errors, 2 usage errors.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from sitegen.cliparse import DutchArgumentParser
from sitegen.errors import (
    LINKS_NOT_CHECKED,
    ContentError,
    ContentErrors,
    github_annotation,
    step_summary,
    summary_line,
)
from sitegen.options import BuildOptions
from sitegen.parallel import freeze_after_stages
from sitegen.write import (
    Lookahead,
    OutputPathError,
    OutputRules,
    check_output_dir,
    clean_leftovers,
    output_lock,
    write_file_atomic,
    write_site,
)

if TYPE_CHECKING:
    from sitegen.fingerprint import Fingerprint
    from sitegen.memo import Memo

ROOT = Path(__file__).resolve().parent
ADMIN_DIR = ROOT / "admin"
# What an output folder may never be, contain or lie inside (besides the folders a build reads).
PROJECT_FOLDERS = (".git", "sitegen", "tests", "docs", "schemas", "bench", "admin", ".github", ".ci", ".venv")
_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
_LEFT_FOR_EXIT: list[object] | None = None
"""In a process that cli() ends: what a build's memo held, never freed (see Memo's `spent`)."""
COMMANDS = ("build", "check", "serve", "geo", "new", "schemas", "weight")
logger = logging.getLogger("build")


def _base_url(text: str) -> str:
    """--base-url checked like base_url in site.yaml (argparse reports the problem, exit 2)."""
    from sitegen.urls import BASE_URL_HINT, base_url_problem

    problem = base_url_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(f"{problem} ({BASE_URL_HINT}): {text!r}")
    return text


def _add_site_options(parser: argparse.ArgumentParser, *, output: bool) -> None:
    parser.add_argument(
        "--content", type=Path, default=ROOT / "content", metavar="MAP", help="map met de inhoud (standaard: content/)"
    )
    parser.add_argument("--templates", type=Path, default=ROOT / "templates", help=argparse.SUPPRESS)
    parser.add_argument("--assets", type=Path, default=ROOT / "assets", help=argparse.SUPPRESS)
    parser.add_argument(
        "--base-url",
        type=_base_url,
        metavar="ADRES",
        help="publiek adres van de site, in plaats van base_url in site.yaml",
    )
    parser.add_argument("--drafts", action="store_true", help="ook concepten en verhalen met een datum in de toekomst")
    if output:
        parser.add_argument(
            "--output", type=Path, default=ROOT / "output", metavar="MAP", help="uitvoermap (standaard: output/)"
        )


def make_parser() -> argparse.ArgumentParser:
    parser = DutchArgumentParser(prog="build.py", description="Bouw de IGS-site uit content/.")
    parser.add_argument("-v", "--verbose", action="store_true", help="meld elke stap")
    commands = parser.add_subparsers(dest="command", title="opdrachten", metavar="opdracht")
    build = commands.add_parser("build", help="bouw de site in output/ (standaard)")
    _add_site_options(build, output=True)
    build.add_argument(
        "--cache",
        type=Path,
        default=ROOT / ".cache" / "build",
        metavar="MAP",
        help="map van de bouwcache (standaard: .cache/build/)",
    )
    build.add_argument("--no-cache", dest="cache", action="store_const", const=None, help="bouw zonder de cache")
    build.add_argument(
        "--admin-repo",
        default=os.environ.get("GITHUB_REPOSITORY"),
        metavar="EIGENAAR/NAAM",
        help="GitHub-repository die de beheeromgeving /admin/ bewerkt (standaard: $GITHUB_REPOSITORY, "
        "dat GitHub Actions zet)",
    )
    build.add_argument("--no-admin", action="store_true", help="laat /admin/ weg, ook als het geïnstalleerd is")
    check = commands.add_parser("check", help="controleer de inhoud en elke interne link, schrijf niets")
    _add_site_options(check, output=False)
    check.add_argument("--external", action="store_true", help="haal ook externe links op (vraagt een netwerk)")
    serve = commands.add_parser(
        "serve",
        help="voorbeeld dat zichzelf vernieuwt, met concepten; bouwt opnieuw bij elke bewaring",
        description="Bouwt in een aparte voorbeeldmap (met concepten en verhalen met een datum in de toekomst, "
        "zodat output/ ze nooit krijgt), toont die op 127.0.0.1 en bouwt opnieuw en herlaadt de browser bij "
        "elke bewaring in content/, templates/ of assets/. Fouten in de inhoud verschijnen in de browser; de "
        "server blijft draaien.",
    )
    _add_site_options(serve, output=False)
    serve.add_argument(
        "--output",
        type=Path,
        default=ROOT / ".cache" / "preview",
        metavar="MAP",
        help="voorbeeldmap (standaard: .cache/preview/, niet in git; nooit output/, die CI publiceert)",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", metavar="ADRES", help="adres om op te luisteren (standaard: 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=int, default=8000, metavar="POORT", help="poort (standaard: 8000; 0 kiest een vrije)"
    )
    commands.add_parser("geo", help="maak content/geo/ opnieuw uit de pakketten van de bronnen", add_help=False)
    commands.add_parser("weight", help="toon het gzip-gewicht van elke pagina tegenover de budgetten", add_help=False)
    commands.add_parser("schemas", help="maak de JSON Schemas in schemas/ opnieuw uit sitegen/schema.py")
    new = commands.add_parser("new", help="begin een nieuw inhoudsbestand, met uitleg bij elk veld")
    new.add_argument("kind", choices=("igs", "article", "page"), metavar="soort", help="igs, article of page")
    new.add_argument("slug", metavar="naam", help="bestandsnaam zonder extensie: kleine letters a-z, cijfers en '-'")
    new.add_argument("--type", choices=("interview", "spotlight", "news"), help="soort verhaal (alleen bij article)")
    new.add_argument(
        "--igs", action="append", default=[], metavar="NAAM", help="IGS waarover het verhaal gaat (mag vaker)"
    )
    new.add_argument(
        "--content", type=Path, default=ROOT / "content", metavar="MAP", help="map met de inhoud (standaard: content/)"
    )
    return parser


def _options(args: argparse.Namespace) -> tuple[BuildOptions, str]:
    """The options of this run, made once and handed to the command (build, check or serve); and,
    for `build`, why /admin/ is left out (empty when it is built)."""
    admin, left_out = None, ""
    if args.command == "build" and not args.no_admin:
        if args.drafts:
            # A preview shows content; the editor belongs to the published site.
            left_out = (
                "/admin/ (de beheeromgeving) hoort niet bij een voorbeeldweergave (--drafts) en wordt niet mee gebouwd."
            )
        else:
            from sitegen.admin_package import find_package

            admin, reason = find_package(ADMIN_DIR)
            if admin is None:
                left_out = f"/admin/ (de beheeromgeving) wordt niet mee gebouwd: {reason}"
    options = BuildOptions(
        content_dir=args.content,
        templates_dir=args.templates,
        assets_dir=args.assets,
        base_url=args.base_url,
        include_unpublished=args.drafts or args.command == "serve",  # the preview always shows drafts
        admin=admin,
        admin_repo=args.admin_repo if admin else None,
    )
    return options, left_out


CHECK_TITLE = "Controle van de inhoud"
BUILD_TITLE = "Bouwen van de site"


def _report(errors: ContentErrors, title: str) -> int:
    for error in errors.errors:
        print(error.render(Path.cwd()), file=sys.stderr)
    if not errors.links_checked:  # above the closing line, which stays the last
        print(LINKS_NOT_CHECKED, file=sys.stderr)
    print(summary_line(len(errors.errors)), file=sys.stderr)
    _report_to_github(title, errors.errors, links_checked=errors.links_checked)
    return 1


def _report_to_github(
    title: str, errors: list[ContentError], outcome: list[str] | None = None, *, links_checked: bool = True
) -> None:
    """On GitHub Actions: each error as an annotation on its line, and a summary for the run's page."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    for error in errors:
        print(github_annotation(error), flush=True)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as file:
            file.write(step_summary(title, errors, outcome or [], links_checked=links_checked))


def output_rules(args: argparse.Namespace, default_output: Path) -> OutputRules:
    """The folders an output must keep clear of: what this run reads, the project's own, the cache."""
    cache = getattr(args, "cache", None) or ROOT / ".cache" / "build"
    read = (args.content, args.templates, args.assets, cache)
    return OutputRules(
        protected=(*read, *(ROOT / name for name in PROJECT_FOLDERS)), containers=(ROOT,), own=(default_output,)
    )


def run_build(args: argparse.Namespace, options: BuildOptions, admin_left_out: str) -> int:
    try:
        check_output_dir(args.output, output_rules(args, ROOT / "output"))
    except OutputPathError as exc:
        print(f"build.py: {exc}", file=sys.stderr)
        return 2
    output = args.output.absolute()
    before = _identity(output)
    try:
        with output_lock(args.output):
            # A build killed between its two renames is repaired before anything else can fail.
            clean_leftovers(output)
            return _build_locked(args, options, admin_left_out)
    except OSError as exc:
        problem = _failure(exc)
    except KeyboardInterrupt as exc:
        problem = _interruption(exc)
    with contextlib.suppress(KeyboardInterrupt, OSError):
        clean_leftovers(output)  # what an interrupted write could not remove itself
    state = "de nieuwe site staat er volledig" if _identity(output) != before else "er is niets gewijzigd"
    print(f"build.py: {problem}; {state} in {args.output}", file=sys.stderr)
    return 1


def _identity(path: Path) -> tuple[int, int] | None:
    """Which folder is at `path` now: the swap puts a different one there."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _failure(exc: OSError) -> str:
    from sitegen.errors import os_reason

    where = f"{exc.filename}: " if exc.filename else ""
    return f"kan niet lezen of schrijven: {where}{os_reason(exc)}"


def _interruption(exc: KeyboardInterrupt) -> str:
    return f"onderbroken ({exc.args[0] if exc.args else 'Ctrl+C'})"


def _cache_key_usable() -> bool:
    from sitegen.stores import cache_key, key_path

    try:
        cache_key()
    except OSError as exc:
        print(
            f"build.py: de buildcache wordt niet gebruikt: geen bruikbare sleutel in {key_path()} ({exc})",
            file=sys.stderr,
        )
        return False
    return True


def _save_cache(save: Callable[[], None]) -> None:
    """The cache only saves time: a full disk there costs the next build its speed, nothing more."""
    try:
        save()
    except OSError as exc:
        print(f"build.py: de buildcache is niet bewaard ({_failure(exc)})", file=sys.stderr)


def _build_locked(args: argparse.Namespace, options: BuildOptions, admin_left_out: str) -> int:
    started = time.perf_counter()
    store, inputs, folder = None, None, None
    if getattr(args, "cache", None) is not None and _cache_key_usable():
        from sitegen.fingerprint import Fingerprint, is_up_to_date
        from sitegen.stores import DiskStore, cache_folder, engine_version

        folder = cache_folder(args.cache, options.content_dir)
        engine = engine_version()
        settings = (repr(options), str(args.output.absolute()))
        read = [options.content_dir, options.templates_dir, options.assets_dir]
        inputs = Fingerprint.of_inputs(read, settings, engine)
        if is_up_to_date(folder, inputs, args.output):
            print(f"Niets gewijzigd: {args.output} is bij ({time.perf_counter() - started:.2f} s)")
            return 0
        store = DiskStore(folder, engine)
    # The write stage's look at the spare, taken on the other core from now on (a no-op build takes
    # none): while this one imports the stages (some 0.2 s, the other core idle) and builds.
    ahead = Lookahead(args.output)
    from sitegen.memo import Memo

    memo = Memo(store, spent=_LEFT_FOR_EXIT)
    let_go = []
    if options.admin is not None:
        from sitegen.admin import rewrite_ahead

        let_go.append(rewrite_ahead(options.admin, memo))  # on the other core, while this one imports the stages
    from sitegen.templating import compile_ahead

    let_go.append(compile_ahead(options.templates_dir, memo))  # there too
    try:
        return _build_with(args, options, memo, inputs, folder, admin_left_out, started, ahead)
    finally:
        for end in let_go:
            end()  # a failed build did not take the script or the templates' code: the child ends now


def _build_with(
    args: argparse.Namespace,
    options: BuildOptions,
    memo: Memo,
    inputs: Fingerprint | None,
    folder: Path | None,
    admin_left_out: str,
    started: float,
    ahead: Lookahead,
) -> int:
    from sitegen.pipeline import build_files

    if admin_left_out:
        print(admin_left_out)
    try:
        _, files = build_files(options, memo, walk=inputs.walk if inputs else None)
    except ContentErrors as errors:
        ahead.close()
        _save_cache(lambda: memo.finish(success=False))
        return _report(errors, BUILD_TITLE)
    # A page or card whose version the output holds is never read from the cache (sitegen/files.py).
    written = write_site(files, args.output, versions=files.versions(), ahead=ahead)
    if inputs and folder:
        from sitegen.fingerprint import remember_build

        def save() -> None:
            memo.finish(success=True)
            remember_build(folder, inputs, written.state)

        _save_cache(save)
    pages = sum(1 for name in files if name.endswith(".html"))
    seconds = time.perf_counter() - started
    done = f"{pages} pagina's en {len(files) - pages} andere bestanden in {args.output} ({seconds:.2f} s)"
    print(done)
    _report_to_github(BUILD_TITLE, [], [done])
    return 0


def run_check(args: argparse.Namespace, options: BuildOptions) -> int:
    from sitegen.pipeline import build_files

    try:
        site, files = build_files(options)
    except ContentErrors as errors:
        return _report(errors, CHECK_TITLE)
    if args.external:
        from sitegen.linkcheck import check_external, external_links

        pages = external_links(files, site.base_url, site.base_path)
        failures = check_external(files, site.base_url, site.base_path)
        for url, reason in sorted(failures.items()):
            print(f"externe link {url}: {reason} (op {', '.join(sorted(set(pages[url])))})", file=sys.stderr)
        if failures:
            print(f"{len(failures)} van de {len(pages)} externe links werken niet.", file=sys.stderr)
            return 1
    from sitegen.report import content_summary

    done = content_summary(site)
    print("\n".join(done))
    _report_to_github(CHECK_TITLE, [], done)
    return 0


def run_schemas() -> int:
    from sitegen.jsonschema import schema_texts

    folder = ROOT / "schemas"
    folder.mkdir(exist_ok=True)
    for name, text in schema_texts().items():
        path = folder / name
        changed = not path.is_file() or path.read_text(encoding="utf-8") != text
        if changed:
            write_file_atomic(path, text.encode("utf-8"))
        print(f"schemas/{name}: {'bijgewerkt' if changed else 'ongewijzigd'}")
    return 0


def run_new(args: argparse.Namespace) -> int:
    from sitegen.load import display_path
    from sitegen.scaffold import ScaffoldError, create, required_names

    try:
        path = create(args.kind, args.slug, args.content, article_type=args.type, igs=tuple(args.igs))
    except ScaffoldError as exc:
        print(f"build.py new: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"    hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    fields = ", ".join(required_names(args.kind))
    print(f"Aangemaakt: {display_path(path)}")
    print(f"Vul de verplichte velden in ({fields}) en kijk het na met: python build.py check")
    return 0


def main(argv: list[str] | None = None, *, install_missing: bool = False) -> int:
    """Run one command; with `install_missing` (build.py as a command), a Python without the
    generator's packages installs them into .venv/ and the command runs again there."""
    argv = list(sys.argv[1:] if argv is None else argv)
    given = list(argv)
    if argv[:1] == ["geo"]:
        from sitegen.geo.generate import main as geo_main

        return geo_main(argv[1:])
    if argv[:1] == ["weight"]:
        from sitegen.weight import main as weight_main

        return weight_main(argv[1:])
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "-v", "--verbose")):
        argv.insert(0, "build")
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.command is None:
        args = parser.parse_args([*argv, "build"])
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        with _signals_interrupt():
            return _run(args)
    except KeyboardInterrupt as exc:
        print(f"build.py: {_interruption(exc)}", file=sys.stderr)
    except OSError as exc:
        print(f"build.py: {_failure(exc)}", file=sys.stderr)
    except ModuleNotFoundError as exc:
        if not exc.name or exc.name.partition(".")[0] == "sitegen":
            raise  # a fault of ours, not of the setup
        from sitegen.bootstrap import install_and_rerun, may_install

        module = exc.name.partition(".")[0]
        if install_missing and may_install():
            rerun = install_and_rerun(ROOT, module, given)
            if rerun is not None:
                return rerun
        print(f"build.py: {_not_installed(module)}", file=sys.stderr)
    return 1


def _not_installed(module: str) -> str:
    """A package the generator needs is missing (build.py run by a Python without them): the stages
    import them lazily, so this shows before anything is written."""
    return (
        f"de Python-module '{module}' ontbreekt: deze Python heeft de pakketten van de generator "
        "niet. Installeer ze eerst, zoals de README zegt: python3 -m venv .venv && .venv/bin/pip install "
        "-c constraints.txt -e . en start dan .venv/bin/python build.py"
    )


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP stop a run the way Ctrl+C does, so that every cleanup still runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    owner = os.getpid()

    def interrupt(signum: int, frame: object) -> None:
        if os.getpid() != owner:  # a forked worker (sitegen.parallel) ends as the signal says
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise KeyboardInterrupt(signal.Signals(signum).name)

    saved = {sig: signal.signal(sig, interrupt) for sig in _STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _missing_folder(args: argparse.Namespace) -> str:
    for what, folder in (("inhoudsmap", args.content), ("sjablonenmap", args.templates), ("assetsmap", args.assets)):
        if not folder.is_dir():
            return f"de {what} {folder} bestaat niet of is geen map"
    return ""


def _run(args: argparse.Namespace) -> int:
    if args.command == "schemas":
        return run_schemas()
    if args.command == "new":
        return run_new(args)
    if missing := _missing_folder(args):
        print(f"build.py: {missing}", file=sys.stderr)
        return 2
    options, admin_left_out = _options(args)
    if args.command == "check":
        return run_check(args, options)
    if args.command == "serve":
        from sitegen.preview.server import serve

        rules = output_rules(args, ROOT / ".cache" / "preview")
        return serve(options, args.output, host=args.host, port=args.port, rules=rules, publish_dir=ROOT / "output")
    return run_build(args, options, admin_left_out)


def collect_as_a_command() -> None:
    """The garbage collector's settings of a build run as a command (cli(); bench/stages.py too)."""
    # A build holds a large, long-lived heap (records, pages, cache rows) and makes little cyclic
    # garbage: collecting the young generation every 700 allocations re-walks it for nothing
    # (a one-article rebuild at 300x10,000: 6.0 -> 5.0 s, same peak memory). Every 200,000: such a
    # rebuild allocates fewer than that outside the stages that pause the collector, where every
    # 50,000 made three collections of 6-7 ms each, some 20 ms of its main process (a cold build
    # at 300x2,000: two collections or none, the same peak memory).
    gc.set_threshold(200_000, 20, 20)
    freeze_after_stages()  # (the preview's loop freezes its first build's heap and pauses the collector itself)


def cli() -> NoReturn:
    """`python build.py ...`: main() as a command, in a process of its own."""
    collect_as_a_command()
    global _LEFT_FOR_EXIT
    _LEFT_FOR_EXIT = []  # freed by nobody: the process leaves without tearing down (below)
    code = main(install_missing=True)
    if threading.active_count() > 1:  # a thread may still be finishing (serve): the usual way out
        sys.exit(code)
    # Then leave without tearing the interpreter down: a last collection over the whole heap and
    # freeing it object by object (55 ms of a cold build of the shipped site, more on a large one)
    # would change nothing on disk. What is registered to run at exit (logging's flush, reaping a
    # forked child, removing a temporary folder) still runs.
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    cli()
