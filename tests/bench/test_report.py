"""Targets, percentiles and the printed table of bench/ (no timing is measured here)."""

import pytest

from bench.database import with_search_path
from bench.machine import parse_cpu_model, parse_meminfo
from bench.report import Figure, at_least, at_most, below, percentile, table, unmet


def test_targets_compare_in_the_right_direction():
    assert at_least(30, ">= 30%").met(30) and not at_least(30, ">= 30%").met(29.9)
    assert at_most(1.15, "<= 1.15x").met(1.15) and not at_most(1.15, "<= 1.15x").met(1.16)
    assert below(50, "< 50 ms").met(49.99) and not below(50, "< 50 ms").met(50)


def test_percentile_interpolates_between_ranks():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile([7.0], 95) == 7.0
    assert percentile([3.0, 1.0, 2.0], 0) == 1.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_table_shows_every_figure_with_its_verdict():
    figures = [
        Figure("Pages", "Search: share of hello", 12.4, "%", at_least(30, ">= 30%"), "x"),
        Figure("Memory", "Worker peak RSS", 131.2, "MB", below(150, "< 150 MB")),
        Figure("Pages", "Bare hello", 2512.0, "req/s"),
        Figure("Brochures", "Build vs WeasyPrint", 1.034, "x", at_most(1.15, "<= 1.15x")),
    ]
    lines = table(figures).splitlines()
    assert lines[0].split("|")[1].strip() == "Section"
    assert len(lines) == 2 + len(figures)
    assert len({len(line) for line in lines}) == 1  # aligned columns
    assert "12%" in lines[2] and "NOT MET" in lines[2]
    assert "131 MB" in lines[3] and "met" in lines[3]
    assert "2 512 req/s" in lines[4] and "met" not in lines[4]
    assert "1.03x" in lines[5]
    assert [f.name for f in unmet(figures)] == ["Search: share of hello"]


def test_postgresql_url_gets_its_own_search_path():
    url = with_search_path("postgresql+psycopg://postgres:secret@127.0.0.1:5432/test", "bench_1")
    assert url == (
        "postgresql+psycopg://postgres:secret@127.0.0.1:5432/test?options=-csearch_path%3Dbench_1"
    )


def test_machine_description_from_proc_files():
    assert parse_meminfo("MemTotal:       24684032 kB\nMemFree: 1 kB\n") == pytest.approx(
        23.54, 0.01
    )
    assert parse_meminfo("") is None
    assert parse_cpu_model("processor\t: 0\nmodel name\t: AMD EPYC 7B13\n") == "AMD EPYC 7B13"
