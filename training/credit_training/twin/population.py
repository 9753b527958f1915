"""Who applies: age, gender, work, family, education, income, region, contact details.

Choices where the public statistics are silent (documented, plausible): retirement comes with age
(earlier for women); employment length grows with age and never starts before 16; education
orders occupations and raises income; men earn more and own more cars; family size is children
plus the applicant plus a partner when married.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from credit_core.schema import application_schema
from credit_training.twin import history_stats as hs
from credit_training.twin.builder import TableBuilder
from credit_training.twin.drift import Marginals
from credit_training.twin.lattice import choice, snap_mixed
from credit_training.twin.marginals import (
    QuantileCurve,
    correlated,
    curve_from_summary,
    cut_levels,
    rank_uniform,
    standard,
)

SENTINEL_DAYS = 365243
NO_EMPLOYER_INCOME_TYPES = ("Pensioner", "Unemployed")
EDUCATION_ORDER = (
    "Lower secondary",
    "Secondary / secondary special",
    "Incomplete higher",
    "Higher education",
    "Academic degree",
)
FAMILY_ORDER = (
    "Single / not married",
    "Civil marriage",
    "Married",
    "Unknown",
    "Separated",
    "Widow",
)
OCCUPATION_ORDER = (
    "Low-skill Laborers",
    "Laborers",
    "Cleaning staff",
    "Cooking staff",
    "Waiters/barmen staff",
    "Security staff",
    "Drivers",
    "Sales staff",
    "Private service staff",
    "Medicine staff",
    "Secretaries",
    "Realty agents",
    "Core staff",
    "HR staff",
    "High skill tech staff",
    "IT staff",
    "Accountants",
    "Managers",
)
HOUSING_ORDER = (
    "With parents",
    "Rented apartment",
    "Office apartment",
    "House / apartment",
    "Municipal apartment",
    "Co-op apartment",
)


def build_people(b: TableBuilder) -> None:
    _age_and_gender(b)
    _work(b)
    _family(b)
    _education_and_income(b)
    _region(b)
    _contacts(b)


def _age_and_gender(b: TableBuilder) -> None:
    z_age = b.normal()  # high = old
    b.latent["age"] = z_age
    # DAYS_BIRTH is negative: the oldest applicants have the lowest values
    days = b.from_latent("DAYS_BIRTH", -z_age)
    b.cols["DAYS_BIRTH"] = np.round(days).astype(np.int64)
    b.latent["age_years"] = -b.cols["DAYS_BIRTH"] / 365.25
    b.categorical("CODE_GENDER")
    b.latent["male"] = b.is_level("CODE_GENDER", "M").astype(float)


def _work(b: TableBuilder) -> None:
    age = b.latent["age"]
    female = 1.0 - b.latent["male"]
    share = b.marginals.sentinel_share()
    # retirement: the oldest get a pension, women a little earlier; a few young disabled/unemployed
    retire_score = age + 0.35 * female + 0.35 * b.normal()
    no_employer = b.top_share(retire_score, share).astype(bool)
    b.latent["no_employer"] = no_employer.astype(float)

    spec = b.marginals.cat("NAME_INCOME_TYPE")
    shares = dict(zip(spec.levels, spec.shares, strict=True))
    unemployed_share = shares.get("Unemployed", 0.0) / sum(
        shares.get(t, 0.0) for t in NO_EMPLOYER_INCOME_TYPES
    )
    levels = application_schema().column("NAME_INCOME_TYPE").levels
    income = b.categorical(
        "NAME_INCOME_TYPE",
        rows=~no_employer,
        exclude=(*NO_EMPLOYER_INCOME_TYPES, "Maternity leave"),
    )
    unemployed = no_employer & (b.rng.random(b.n) < unemployed_share)
    income[no_employer] = levels.index("Pensioner")
    income[unemployed] = levels.index("Unemployed")
    if "Maternity leave" in shares:  # a handful of young women on maternity leave
        young_women = (~no_employer) & (female > 0) & (age < -0.5)
        pick = young_women & (b.rng.random(b.n) < shares["Maternity leave"] * 4)
        income[pick] = levels.index("Maternity leave")

    org = b.categorical("ORGANIZATION_TYPE", rows=~no_employer, exclude=("XNA",))
    org[no_employer] = application_schema().column("ORGANIZATION_TYPE").levels.index("XNA")

    # employment length: longer for older applicants, capped by a working life starting at 16
    emp_curve = employment_curve()
    z_emp = correlated(b.rng, age, 0.55)
    employed = ~no_employer
    days = np.full(b.n, SENTINEL_DAYS, dtype=np.int64)
    u = rank_uniform(-z_emp[employed])
    start_cap = b.cols["DAYS_BIRTH"][employed] + 16 * 365
    days[employed] = np.maximum(np.round(emp_curve(u)), start_cap).astype(np.int64)
    b.cols["DAYS_EMPLOYED"] = days
    b.latent["employed_years"] = np.where(employed, -days / 365.25, np.nan)

    b.cols["FLAG_EMP_PHONE"] = employed.astype(np.int64)
    work_phone = b.marginals.num("FLAG_WORK_PHONE").mean / (1 - share)
    b.cols["FLAG_WORK_PHONE"] = (employed & (b.rng.random(b.n) < work_phone)).astype(np.int64)


def employment_curve() -> QuantileCurve:
    """Tenure of applicants with an employer, from the public quartiles that include the sentinel.

    The published quartiles of DAYS_EMPLOYED sit at other probabilities once the 18% sentinel rows
    (all at the top) are removed; the employed mean is solved from the overall mean. Test keeps
    the train tenure distribution: only the share without an employer moves.
    """
    train = Marginals("train")
    share = train.sentinel_share()
    return curve_from_summary(
        train.num("DAYS_EMPLOYED"),
        probs=tuple(p / (1 - share) for p in (0.25, 0.5, 0.75)),
        upper=0.0,
        mean=(train.num("DAYS_EMPLOYED").mean - share * SENTINEL_DAYS) / (1 - share),
    )


def _family(b: TableBuilder) -> None:
    age = b.latent["age"]
    b.categorical("NAME_FAMILY_STATUS", correlated(b.rng, age, 0.55), order=FAMILY_ORDER)
    partnered = b.is_level("NAME_FAMILY_STATUS", "Married", "Civil marriage")
    # children: most likely for partnered applicants in their thirties and forties
    years = b.latent["age_years"]
    child_score = 0.9 * partnered - np.abs(years - 38.0) / 9.0 + 0.9 * b.normal()
    shares = [0.70035, 0.19875, 0.08699, 0.01209, 0.00140, 0.00027, 0.00014]
    children = cut_levels(child_score, shares).astype(np.int64)
    rare = b.rng.random(b.n) < 2e-5  # the real table has a few very large families (max 19)
    children[rare] = b.rng.integers(7, 15, rare.sum())
    b.cols["CNT_CHILDREN"] = children
    fam = (children + 1 + partnered).astype(np.float64)
    b.cols["CNT_FAM_MEMBERS"] = fam
    b.random_missing("CNT_FAM_MEMBERS")
    b.latent["partnered"] = partnered.astype(float)

    b.categorical("NAME_TYPE_SUITE")
    b.categorical("NAME_HOUSING_TYPE", correlated(b.rng, age, 0.35), order=HOUSING_ORDER)


def _education_and_income(b: TableBuilder) -> None:
    z_edu = b.normal()
    b.categorical("NAME_EDUCATION_TYPE", z_edu, order=EDUCATION_ORDER)
    b.latent["higher_education"] = b.is_level(
        "NAME_EDUCATION_TYPE", "Higher education", "Academic degree"
    ).astype(float)
    employed = b.latent["no_employer"] == 0
    share = b.marginals.sentinel_share()
    occupied_share = (1 - b.marginals.cat("OCCUPATION_TYPE").missing_rate) / (1 - share)
    occupied = employed & (b.rng.random(b.n) < occupied_share)
    b.categorical(
        "OCCUPATION_TYPE",
        correlated(b.rng, z_edu, 0.6),
        order=OCCUPATION_ORDER,
        rows=occupied,
        missing_rate=0.0,
    )

    z_income = standard(
        0.55 * z_edu + 0.45 * b.latent["male"] - 0.35 * b.latent["no_employer"] + 0.8 * b.normal()
    )
    b.latent["income"] = z_income
    income = b.from_latent("AMT_INCOME_TOTAL", z_income)
    # declared incomes are round: most on multiples of 22,500 or 4,500 (value_lattices.json)
    grids = {float(k): v for k, v in choice("AMT_INCOME_TOTAL")["grids"].items()}
    lo = b.marginals.num("AMT_INCOME_TOTAL").min
    b.cols["AMT_INCOME_TOTAL"] = snap_mixed(income, grids, b.rng, lo)

    car_score = 0.9 * b.latent["male"] + 0.6 * z_income + b.normal()
    b.categorical("FLAG_OWN_CAR", car_score, order=("N", "Y"))
    owns_car = b.is_level("FLAG_OWN_CAR", "Y")
    car_age = np.round(b.from_latent("OWN_CAR_AGE", b.normal()))
    b.cols["OWN_CAR_AGE"] = np.where(owns_car, car_age, np.nan)
    b.categorical("FLAG_OWN_REALTY", correlated(b.rng, b.latent["age"], 0.2), order=("N", "Y"))


def _region(b: TableBuilder) -> None:
    """Each client lives in one of 81 regions that carry the region-level columns together.

    Populous regions hold the clients with a high region latent and are better rated (1); the
    rating with the city taken into account is the region's or one better (a large city).
    """
    z_region = b.normal()
    b.latent["region"] = z_region
    regions = region_table()
    idx = cut_levels(z_region, regions.weight)  # regions sorted by population, ascending
    b.cols["REGION_POPULATION_RELATIVE"] = regions.population[idx]
    rating = regions.rating[idx].astype(np.int64)
    b.cols["REGION_RATING_CLIENT"] = rating
    b.cols["REGION_RATING_CLIENT_W_CITY"] = city_rating(
        rating, correlated(b.rng, z_region, 0.5), CITY_RATING_SHARES
    )

    # mobility: living outside the registration city/region, working outside the living city
    mobile = correlated(b.rng, -b.latent["age"], 0.3)
    live = correlated(b.rng, mobile, 0.5)
    b.cols["REG_REGION_NOT_LIVE_REGION"] = b.top_share(live, _mean(b, "REG_REGION_NOT_LIVE_REGION"))
    b.cols["REG_CITY_NOT_LIVE_CITY"] = b.top_share(live, _mean(b, "REG_CITY_NOT_LIVE_CITY"))
    employed = b.latent["no_employer"] == 0
    emp_share = employed.mean()
    work = correlated(b.rng, mobile, 0.5) + np.where(employed, 0.0, -50.0)
    reg_work = 0.55 * live + 0.85 * work
    for col, z in (
        ("LIVE_REGION_NOT_WORK_REGION", work),
        ("LIVE_CITY_NOT_WORK_CITY", work),
        ("REG_REGION_NOT_WORK_REGION", reg_work),
        ("REG_CITY_NOT_WORK_CITY", reg_work),
    ):
        b.cols[col] = b.top_share(z, min(_mean(b, col), emp_share))

    b.categorical("WEEKDAY_APPR_PROCESS_START")
    hour = b.marginals.num("HOUR_APPR_PROCESS_START")
    hours = np.round(hour.mean + hour.std * correlated(b.rng, z_region, 0.25))
    b.cols["HOUR_APPR_PROCESS_START"] = np.clip(hours, hour.min, hour.max).astype(np.int64)


CITY_RATING_SHARES = (0.1111, 0.7463, 0.1426)  # public REGION_RATING_CLIENT_W_CITY 1/2/3
RATING_SHARES = (0.1047, 0.7381, 0.1572)  # public REGION_RATING_CLIENT 1/2/3


@dataclass(frozen=True)
class Regions:
    """The country's regions, sorted by REGION_POPULATION_RELATIVE (ascending)."""

    population: np.ndarray  # REGION_POPULATION_RELATIVE of each region
    weight: np.ndarray  # share of applicants living there
    rating: np.ndarray  # REGION_RATING_CLIENT (1 best .. 3)


APPLICANTS = 307_511 + 48_744  # train + test: the printed region counts are of both


@cache
def region_table() -> Regions:
    """81 regions: the 16 train regions public sources print (value, clients, rating), and 65
    with lognormal sizes placed so that the column keeps its public quartiles, min and max.

    Fixed (own seed), so train and test share the regions. The invented regions fill, quartile
    band by band, the share of applicants the printed ones leave (two of them hold the public
    median and p75, real region values); their ratings fill the public rating shares, populous
    regions better rated. The test-only one-client region (0.000253) is left out.
    """
    c = choice("REGION_POPULATION_RELATIVE")
    rng = np.random.default_rng(c["seed"])
    printed = [
        r
        for r in hs.load()["application_REGION_POPULATION_RELATIVE"]["regions_printed"]
        if r["clients_train_plus_test"] > 1
    ]
    p_value = np.array([r["value"] for r in printed])
    p_weight = np.array([r["clients_train_plus_test"] for r in printed]) / APPLICANTS
    p_rating = np.array([r["REGION_RATING_CLIENT"] for r in printed], dtype=np.int64)
    k = c["regions"] - len(printed)
    weight = rng.lognormal(0.0, c["region_size_lognormal_sigma"], k)
    weight *= (1.0 - p_weight.sum()) / weight.sum()
    spec = Marginals("train").num("REGION_POPULATION_RELATIVE")
    edges = np.array([spec.min, spec.p25, spec.p50, spec.p75, spec.max])

    # the median and p75 regions: the two largest invented ones, centred on their quantile
    # (wide enough to absorb what the band filling below misses by)
    order = np.argsort(weight)
    population = np.full(k, np.nan)
    population[order[-2:]] = spec.p50, spec.p75
    band = np.full(k, -1)

    def mass_below(value: float) -> float:
        """Share of applicants already placed strictly below ``value`` (half at it)."""
        placed = ~np.isnan(population)
        values = np.r_[p_value, population[placed]]
        weights = np.r_[p_weight, weight[placed]]
        return float(weights[values < value].sum() + weights[values == value].sum() / 2)

    quantiles = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    need = np.diff(quantiles) - np.diff([mass_below(e) for e in edges])
    for r in order[:-2][::-1]:  # largest first, into the band that misses the most
        b = int(np.argmax(need))
        band[r] = b
        need[b] -= weight[r]
    # inside a band, regions sit on the public quantile curve at their cumulative position
    curve = curve_from_summary(spec)
    for b in range(4):
        members = rng.permutation(np.flatnonzero(band == b))
        mid = (np.cumsum(weight[members]) - weight[members] / 2) / max(weight[members].sum(), 1e-12)
        population[members] = curve(quantiles[b] + mid * 0.25)
    population = np.round(np.clip(population, spec.min, spec.max), 6)
    taken = set(p_value.tolist())
    for r in range(k):  # distinct from the printed values and from each other
        while population[r] in taken:
            population[r] = round(population[r] + 1e-6, 6)
        taken.add(population[r])

    # ratings of the invented regions: what the printed ones leave of the public shares
    left = np.array(
        [max(s - p_weight[p_rating == i + 1].sum(), 0.0) for i, s in enumerate(RATING_SHARES)]
    )
    score = -rank_uniform(population) + 0.35 * rng.standard_normal(k)
    by_score = np.argsort(score)
    cum = np.cumsum(weight[by_score]) / weight.sum()
    bounds = np.cumsum(left / left.sum())[:-1]
    rating = np.empty(k, dtype=np.int64)
    rating[by_score] = 1 + np.searchsorted(bounds, cum - weight[by_score] / weight.sum() / 2)

    values = np.r_[p_value, population]
    ascending = np.argsort(values)
    return Regions(
        values[ascending], np.r_[p_weight, weight][ascending], np.r_[p_rating, rating][ascending]
    )


def city_rating(rating: np.ndarray, z_city: np.ndarray, shares: Sequence[float]) -> np.ndarray:
    """The region's rating, or one better for clients in large cities, meeting ``shares``.

    Clients with the highest ``z_city`` move first: from 2 to 1 until rating 1 has its share,
    then from 3 to 2 until rating 2 has its share.
    """
    out = rating.copy()
    n = len(rating)
    for better in (1, 2):
        worse = out == better + 1
        missing = shares[better - 1] * n - np.sum(out == better)
        move = int(np.clip(round(missing), 0, worse.sum()))
        if move:
            cand = np.flatnonzero(worse)
            out[cand[np.argsort(-z_city[cand])[:move]]] = better
    return out


def _contacts(b: TableBuilder) -> None:
    for col in ("FLAG_MOBIL", "FLAG_CONT_MOBILE", "FLAG_PHONE", "FLAG_EMAIL"):
        b.bernoulli(col, _mean(b, col))


def _mean(b: TableBuilder, col: str) -> float:
    return b.marginals.num(col).mean
