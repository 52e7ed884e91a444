"""Our brochure build against WeasyPrint alone, in a process of its own.

``python -m bench.buildjob SLUG FORMAT ROUNDS [WARM_UP_SLUG]``

*ours* is the project's path for a draft download (``brochures.services.build``: the document
from the database, its HTML, the cache key, the print engine and the atomic write into an empty
cache); *WeasyPrint alone* renders the same HTML with the same fonts, engine stylesheet and URL
fetcher, and nothing else. Both render the warm-up brochure first (fonts, Pango, hyphenation
dictionaries and stylesheets loaded), then take turns ROUNDS times, each going first in every
other round. Both run in one thread, so their CPU time is what they cost, less changed by other
work on the machine than wall time (reported too). Prints one JSON line.
"""

from __future__ import annotations

import gc
import json
import sys
import tempfile
import time


def _bare_renderer():
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from school import printing

    # The engine's own stylesheet (font faces and the font guard), so both lay out the same pages.
    engine_css = printing.font_face_css() + printing._GUARD_CSS

    def render(html: str) -> bytes:
        fetcher = printing.BundledUrlFetcher()
        fonts = FontConfiguration()
        css = weasyprint.CSS(string=engine_css, url_fetcher=fetcher, font_config=fonts)
        document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher)
        return document.write_pdf(stylesheets=[css], font_config=fonts, optimize_images=True)

    return render


def main(argv: list[str]) -> None:
    slug, fmt, rounds, *rest = argv
    warm_up_slug = rest[0] if rest else slug
    from brochures import rendering, services
    from school import create_app
    from school.extensions import db
    from school.printing import pdf_page_count

    app = create_app()
    bare = _bare_renderer()
    cpu: dict[str, list[float]] = {"ours": [], "weasyprint": []}
    wall: dict[str, list[float]] = {"ours": [], "weasyprint": []}
    pages: dict[str, int] = {}
    with app.app_context(), tempfile.TemporaryDirectory(prefix="bench-build-") as scratch:

        def ours(brochure, run: str) -> bytes:
            app.config["PDF_CACHE_DIR"] = f"{scratch}/{run}"  # empty: a real render every time
            return services.build(brochure, fmt).read()

        def html_of(brochure) -> str:
            return rendering.html_candidates(services.document_for(brochure), fmt)[0]

        def timed(mode: str, render) -> None:
            # Garbage of the previous render is collected here, not charged to this one.
            gc.collect()
            start_cpu, start = time.process_time(), time.perf_counter()
            pdf = render()
            cpu[mode].append(time.process_time() - start_cpu)
            wall[mode].append(time.perf_counter() - start)
            pages[mode] = pdf_page_count(pdf)

        warm = services.brochure_by_slug(warm_up_slug)
        ours(warm, "warm-up")
        bare(html_of(warm))
        brochure = services.brochure_by_slug(slug)
        for number in range(int(rounds)):
            # The HTML is given, not built: WeasyPrint alone starts from the finished document.
            html = html_of(brochure)
            # Expire what the session loaded, so every run of ours reads the database again.
            db.session.expire_all()
            runs = [
                ("ours", lambda number=number: ours(brochure, f"run-{number}")),
                ("weasyprint", lambda html=html: bare(html)),
            ]
            for mode, render in runs if number % 2 == 0 else reversed(runs):
                timed(mode, render)
    print(json.dumps({"pages": pages, "cpu": cpu, "wall": wall}))


if __name__ == "__main__":
    main(sys.argv[1:])
