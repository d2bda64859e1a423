"""The dataset the dashboard plots: Gapminder's life expectancy, population and GDP per capita,
142 countries, 1952-2007, every five years (gapminder.csv, CC BY 4.0, gapminder.org).

Read once with the standard library: a dashboard this size needs no pandas on Lambda.
"""

from __future__ import annotations

import csv
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, wraps
from pathlib import Path
from typing import TypeVar

DATA_FILE = Path(__file__).parent / "gapminder.csv"
T = TypeVar("T")


def refreshed_every(seconds: float, clock: Callable[[], float] = time.monotonic):
    """Keeps what the decorated function returns for `seconds`, then loads it again on the next call.

    For data that changes while the container lives (a file in S3, a query): each warm container
    reads it at most once per period, requests in between get it from memory, and the Dash apps are
    never rebuilt for it. Call it from a layout function or a callback, not at import.
    """

    def decorate(load: Callable[[], T]) -> Callable[[], T]:
        lock = threading.Lock()  # tools/serve.py answers requests in threads
        kept: list[tuple[float, T]] = []

        @wraps(load)
        def current() -> T:
            with lock:
                if not kept or clock() - kept[0][0] >= seconds:
                    kept[:] = [(clock(), load())]
                return kept[0][1]

        return current

    return decorate


@dataclass(frozen=True, slots=True)
class Row:
    country: str
    continent: str
    year: int
    life_expectancy: float
    population: int
    gdp_per_capita: float


@cache
def rows() -> tuple[Row, ...]:
    with DATA_FILE.open(newline="", encoding="utf-8") as f:
        return tuple(
            Row(
                country=r["country"],
                continent=r["continent"],
                year=int(r["year"]),
                life_expectancy=float(r["lifeExp"]),
                population=int(r["pop"]),
                gdp_per_capita=float(r["gdpPercap"]),
            )
            for r in csv.DictReader(f)
        )


@dataclass(frozen=True, slots=True)
class Country:
    slug: str  # its URL segment: /country/<slug>
    name: str
    continent: str


def slug_of(name: str) -> str:
    """ "Korea, Rep." -> "korea-rep": lowercase letters and digits, words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@cache
def countries() -> dict[str, Country]:
    """Every country by its slug, in alphabetical order."""
    names = sorted({(r.country, r.continent) for r in rows()})
    return {slug_of(name): Country(slug_of(name), name, continent) for name, continent in names}


def country_rows(name: str) -> list[Row]:
    """One country's rows, oldest year first."""
    return sorted((r for r in rows() if r.country == name), key=lambda r: r.year)


@cache
def continents() -> tuple[str, ...]:
    return tuple(sorted({r.continent for r in rows()}))


@cache
def years() -> tuple[int, ...]:
    return tuple(sorted({r.year for r in rows()}))


def rows_for(*, year: int | None = None, continent: str | None = None) -> list[Row]:
    return [r for r in rows() if (year is None or r.year == year) and (continent is None or r.continent == continent)]


def weighted_life_expectancy(selection: list[Row]) -> float:
    """Population-weighted mean, so China counts for more than Iceland."""
    people = sum(r.population for r in selection)
    return sum(r.life_expectancy * r.population for r in selection) / people
