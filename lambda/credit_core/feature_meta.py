"""What every field and feature means to people, defined once beside the features: its label in
English and French, its display unit, the form group it belongs to and a one-line description.

The API's reasons, the UI (form, charts, monitoring) and the deliverables read it from here.
Standard library only: the credit officers' app installs ``credit_core`` without NumPy.
One table per source of features (the application schema, the derived features, the client's
history from :mod:`credit_core.history.definitions`); :data:`FEATURES` is their union, and a name missing from it still
gets a readable fallback (:func:`label`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from credit_core.history.definitions import FEATURES as HISTORY_FEATURES
from credit_core.history.definitions import MEANINGS_FR as HISTORY_FR

Lang = Literal["en", "fr"]
Unit = Literal[
    "age", "years_ago", "years", "amount", "percent", "score", "count", "flag", "category", "plain"
]
Group = Literal[
    "income",
    "identity",
    "employment",
    "housing",
    "building",
    "external",
    "documents",
    "bureau",
    "history",  # the client's earlier loans (bureau, previous applications): issues 18-20
    "derived",
    "id",
]
GROUPS: tuple[Group, ...] = (
    "income",
    "identity",
    "employment",
    "external",
    "housing",
    "building",
    "documents",
    "bureau",
    "history",
    "derived",
    "id",
)

SENTINEL_DAYS_EMPLOYED = 365243.0  # "1000 years employed": pensioners and the unemployed


@dataclass(frozen=True, slots=True)
class FeatureMeta:
    """One field or feature as people read it (``description`` in English, for docs)."""

    name: str
    en: str
    fr: str
    unit: Unit
    group: Group
    description: str

    def label(self, lang: Lang = "en") -> str:
        return self.fr if lang == "fr" else self.en


def _m(name: str, en: str, fr: str, unit: Unit, group: Group, description: str) -> FeatureMeta:
    return FeatureMeta(name, en, fr, unit, group, description)


# --- the application form (application_schema.json), in its column order -------------------
_APPLICATION: tuple[FeatureMeta, ...] = (
    _m(
        "SK_ID_CURR",
        "Application ID",
        "Identifiant de la demande",
        "plain",
        "id",
        "application identifier",
    ),
    _m(
        "TARGET",
        "Defaulted",
        "En défaut",
        "flag",
        "id",
        "1 when the client had payment difficulties (training only)",
    ),
    _m(
        "NAME_CONTRACT_TYPE",
        "Contract type",
        "Type de contrat",
        "category",
        "income",
        "cash or revolving loan",
    ),
    _m("CODE_GENDER", "Gender", "Genre", "category", "identity", "client's gender"),
    _m(
        "FLAG_OWN_CAR",
        "Owns a car",
        "Possède une voiture",
        "category",
        "identity",
        "whether the client owns a car",
    ),
    _m(
        "FLAG_OWN_REALTY",
        "Owns real estate",
        "Propriétaire d'un bien immobilier",
        "category",
        "housing",
        "whether the client owns a house or flat",
    ),
    _m(
        "CNT_CHILDREN",
        "Number of children",
        "Nombre d'enfants",
        "count",
        "identity",
        "children the client has",
    ),
    _m(
        "AMT_INCOME_TOTAL",
        "Annual income",
        "Revenu annuel",
        "amount",
        "income",
        "client's yearly income",
    ),
    _m(
        "AMT_CREDIT", "Credit amount", "Montant du crédit", "amount", "income", "amount of the loan"
    ),
    _m(
        "AMT_ANNUITY",
        "Loan annuity",
        "Annuité du prêt",
        "amount",
        "income",
        "yearly repayment of the loan",
    ),
    _m(
        "AMT_GOODS_PRICE",
        "Price of the goods",
        "Prix du bien",
        "amount",
        "income",
        "price of the goods the loan pays for",
    ),
    _m(
        "NAME_TYPE_SUITE",
        "Accompanied by",
        "Accompagné par",
        "category",
        "identity",
        "who came with the client to apply",
    ),
    _m(
        "NAME_INCOME_TYPE",
        "Income type",
        "Type de revenu",
        "category",
        "income",
        "source of the client's income",
    ),
    _m(
        "NAME_EDUCATION_TYPE",
        "Education",
        "Niveau d'études",
        "category",
        "identity",
        "highest education reached",
    ),
    _m(
        "NAME_FAMILY_STATUS",
        "Family status",
        "Situation familiale",
        "category",
        "identity",
        "client's family status",
    ),
    _m(
        "NAME_HOUSING_TYPE",
        "Housing",
        "Logement",
        "category",
        "housing",
        "how the client is housed",
    ),
    _m(
        "REGION_POPULATION_RELATIVE",
        "Population density of the region",
        "Densité de population de la région",
        "plain",
        "housing",
        "normalised population of the client's region (higher: more populated)",
    ),
    _m(
        "DAYS_BIRTH",
        "Age",
        "Âge",
        "age",
        "identity",
        "age, stored as days before the application (negative)",
    ),
    _m(
        "DAYS_EMPLOYED",
        "Time in current job",
        "Ancienneté dans l'emploi",
        "years_ago",
        "employment",
        "days in the current job before the application; 365243 means no current employer",
    ),
    _m(
        "DAYS_REGISTRATION",
        "Time since registration changed",
        "Temps depuis le changement d'inscription",
        "years_ago",
        "housing",
        "days since the client last changed their registration",
    ),
    _m(
        "DAYS_ID_PUBLISH",
        "Time since ID document issued",
        "Temps depuis l'émission de la pièce d'identité",
        "years_ago",
        "identity",
        "days since the identity document used to apply was issued",
    ),
    _m(
        "OWN_CAR_AGE",
        "Age of the car",
        "Âge de la voiture",
        "years",
        "identity",
        "age of the client's car in years",
    ),
    _m(
        "FLAG_MOBIL",
        "Mobile phone given",
        "Téléphone mobile fourni",
        "flag",
        "documents",
        "client gave a mobile phone",
    ),
    _m(
        "FLAG_EMP_PHONE",
        "Employer's phone given",
        "Téléphone de l'employeur fourni",
        "flag",
        "employment",
        "client gave an employer's phone",
    ),
    _m(
        "FLAG_WORK_PHONE",
        "Work phone given",
        "Téléphone professionnel fourni",
        "flag",
        "documents",
        "client gave a work phone",
    ),
    _m(
        "FLAG_CONT_MOBILE",
        "Mobile phone reachable",
        "Mobile joignable",
        "flag",
        "documents",
        "the mobile phone could be reached",
    ),
    _m(
        "FLAG_PHONE",
        "Home phone given",
        "Téléphone fixe fourni",
        "flag",
        "documents",
        "client gave a home phone",
    ),
    _m(
        "FLAG_EMAIL",
        "Email given",
        "E-mail fourni",
        "flag",
        "documents",
        "client gave an email address",
    ),
    _m(
        "OCCUPATION_TYPE",
        "Occupation",
        "Profession",
        "category",
        "employment",
        "client's occupation",
    ),
    _m(
        "CNT_FAM_MEMBERS",
        "Family members",
        "Membres de la famille",
        "count",
        "identity",
        "people in the client's family",
    ),
    _m(
        "REGION_RATING_CLIENT",
        "Region rating",
        "Note de la région",
        "plain",
        "housing",
        "lender's rating of the client's region (1 best, 3 worst)",
    ),
    _m(
        "REGION_RATING_CLIENT_W_CITY",
        "Region rating (with city)",
        "Note de la région (avec la ville)",
        "plain",
        "housing",
        "lender's rating of the region, city taken into account (1 best, 3 worst)",
    ),
    _m(
        "WEEKDAY_APPR_PROCESS_START",
        "Weekday of the application",
        "Jour de la demande",
        "category",
        "documents",
        "day of the week the client applied",
    ),
    _m(
        "HOUR_APPR_PROCESS_START",
        "Hour of the application",
        "Heure de la demande",
        "plain",
        "documents",
        "hour of the day the client applied",
    ),
    _m(
        "REG_REGION_NOT_LIVE_REGION",
        "Lives outside the registered region",
        "Vit hors de la région d'inscription",
        "flag",
        "housing",
        "permanent address region differs from the contact address region",
    ),
    _m(
        "REG_REGION_NOT_WORK_REGION",
        "Works outside the registered region",
        "Travaille hors de la région d'inscription",
        "flag",
        "housing",
        "permanent address region differs from the work address region",
    ),
    _m(
        "LIVE_REGION_NOT_WORK_REGION",
        "Works outside the home region",
        "Travaille hors de la région de résidence",
        "flag",
        "housing",
        "contact address region differs from the work address region",
    ),
    _m(
        "REG_CITY_NOT_LIVE_CITY",
        "Lives outside the registered city",
        "Vit hors de la ville d'inscription",
        "flag",
        "housing",
        "permanent address city differs from the contact address city",
    ),
    _m(
        "REG_CITY_NOT_WORK_CITY",
        "Works outside the registered city",
        "Travaille hors de la ville d'inscription",
        "flag",
        "housing",
        "permanent address city differs from the work address city",
    ),
    _m(
        "LIVE_CITY_NOT_WORK_CITY",
        "Works outside the home city",
        "Travaille hors de la ville de résidence",
        "flag",
        "housing",
        "contact address city differs from the work address city",
    ),
    _m(
        "ORGANIZATION_TYPE",
        "Employer's sector",
        "Secteur de l'employeur",
        "category",
        "employment",
        "type of organisation the client works for",
    ),
    _m(
        "EXT_SOURCE_1",
        "External score 1",
        "Score externe 1",
        "score",
        "external",
        "normalised score from an external data source (0 to 1, higher is safer)",
    ),
    _m(
        "EXT_SOURCE_2",
        "External score 2",
        "Score externe 2",
        "score",
        "external",
        "normalised score from a second external source (0 to 1, higher is safer)",
    ),
    _m(
        "EXT_SOURCE_3",
        "External score 3",
        "Score externe 3",
        "score",
        "external",
        "normalised score from a third external source (0 to 1, higher is safer)",
    ),
)

# the 47 normalised statistics of the client's building: measure x statistic
_BUILDING_MEASURES: dict[str, tuple[str, str]] = {
    "APARTMENTS": ("apartment size", "taille des appartements"),
    "BASEMENTAREA": ("basement area", "surface du sous-sol"),
    "YEARS_BEGINEXPLUATATION": ("years in use", "années d'utilisation"),
    "YEARS_BUILD": ("building age", "âge de l'immeuble"),
    "COMMONAREA": ("common area", "parties communes"),
    "ELEVATORS": ("elevators", "ascenseurs"),
    "ENTRANCES": ("entrances", "entrées"),
    "FLOORSMAX": ("highest floor", "étage le plus haut"),
    "FLOORSMIN": ("lowest floor", "étage le plus bas"),
    "LANDAREA": ("land area", "surface du terrain"),
    "LIVINGAPARTMENTS": ("living apartments", "appartements habités"),
    "LIVINGAREA": ("living area", "surface habitable"),
    "NONLIVINGAPARTMENTS": ("non-living apartments", "locaux non habités"),
    "NONLIVINGAREA": ("non-living area", "surface non habitable"),
}
_BUILDING_STATS: dict[str, tuple[str, str]] = {
    "AVG": ("average", "moyenne"),
    "MODE": ("most frequent", "valeur la plus fréquente"),
    "MEDI": ("median", "médiane"),
}


def _building() -> tuple[FeatureMeta, ...]:
    out = [
        _m(
            f"{measure}_{stat}",
            f"Building: {en} ({s_en})",
            f"Immeuble : {fr} ({s_fr})",
            "score",
            "building",
            f"normalised {en} of the client's building, {s_en} over its dwellings (0 to 1)",
        )
        for stat, (s_en, s_fr) in _BUILDING_STATS.items()
        for measure, (en, fr) in _BUILDING_MEASURES.items()
    ]
    out += [
        _m(
            "FONDKAPREMONT_MODE",
            "Building: repair fund account",
            "Immeuble : compte du fonds de travaux",
            "category",
            "building",
            "kind of account of the building's major-repairs fund",
        ),
        _m(
            "HOUSETYPE_MODE",
            "Building: type",
            "Immeuble : type",
            "category",
            "building",
            "type of the client's building",
        ),
        _m(
            "TOTALAREA_MODE",
            "Building: total area",
            "Immeuble : surface totale",
            "score",
            "building",
            "normalised total area of the client's building (0 to 1)",
        ),
        _m(
            "WALLSMATERIAL_MODE",
            "Building: wall material",
            "Immeuble : matériau des murs",
            "category",
            "building",
            "material of the building's walls",
        ),
        _m(
            "EMERGENCYSTATE_MODE",
            "Building: emergency state",
            "Immeuble : état d'urgence",
            "category",
            "building",
            "whether the building is in an emergency state",
        ),
    ]
    return tuple(out)


def _social_circle() -> tuple[FeatureMeta, ...]:
    out = []
    for days in (30, 60):
        out.append(
            _m(
                f"OBS_{days}_CNT_SOCIAL_CIRCLE",
                f"Social circle: {days}+ days late",
                f"Entourage : retard de {days} jours ou plus",
                "count",
                "bureau",
                f"people around the client observed {days} or more days past due",
            )
        )
        out.append(
            _m(
                f"DEF_{days}_CNT_SOCIAL_CIRCLE",
                f"Social circle: defaulted {days}+ days late",
                f"Entourage : défaut après {days} jours de retard",
                "count",
                "bureau",
                f"people around the client who defaulted {days} or more days past due",
            )
        )
    return tuple(out)


_ENQUIRY_PERIODS: dict[str, tuple[str, str]] = {
    "HOUR": ("hour", "l'heure"),
    "DAY": ("day", "le jour"),
    "WEEK": ("week", "la semaine"),
    "MON": ("month", "le mois"),
    "QRT": ("quarter", "le trimestre"),
    "YEAR": ("year", "l'année"),
}


def _tail() -> tuple[FeatureMeta, ...]:
    out = [
        _m(
            "DAYS_LAST_PHONE_CHANGE",
            "Time since phone changed",
            "Temps depuis le changement de téléphone",
            "years_ago",
            "documents",
            "days since the client last changed phone",
        ),
    ]
    out += [
        _m(
            f"FLAG_DOCUMENT_{i}",
            f"Document {i} provided",
            f"Document {i} fourni",
            "flag",
            "documents",
            f"client provided document number {i}",
        )
        for i in range(2, 22)
    ]
    out += [
        _m(
            f"AMT_REQ_CREDIT_BUREAU_{p}",
            f"Credit bureau enquiries in the {en} before",
            f"Demandes au bureau de crédit dans {fr} précédent{'e' if p in ('WEEK', 'YEAR', 'HOUR') else ''}",
            "count",
            "bureau",
            f"enquiries about the client to the credit bureau in the {en} before the application",
        )
        for p, (en, fr) in _ENQUIRY_PERIODS.items()
    ]
    return tuple(out)


# --- the derived features (credit_core.features.DERIVED) -----------------------------------
_DERIVED: tuple[FeatureMeta, ...] = (
    _m(
        "DAYS_EMPLOYED_ANOM",
        "No current employer (pensioner or unemployed)",
        "Sans employeur actuel (retraité ou sans emploi)",
        "flag",
        "derived",
        "1 when the time in job carried the 365243 code",
    ),
    _m(
        "CREDIT_INCOME_RATIO",
        "Credit to income ratio",
        "Ratio crédit / revenu",
        "percent",
        "derived",
        "credit amount / yearly income",
    ),
    _m(
        "ANNUITY_INCOME_RATIO",
        "Annuity to income ratio",
        "Ratio annuité / revenu",
        "percent",
        "derived",
        "yearly repayment / yearly income (repayment burden)",
    ),
    _m(
        "PAYMENT_RATE",
        "Payment rate (annuity / credit)",
        "Taux de remboursement (annuité / crédit)",
        "percent",
        "derived",
        "yearly repayment / credit amount (repayment speed)",
    ),
    _m(
        "GOODS_CREDIT_RATIO",
        "Goods price to credit ratio",
        "Ratio prix du bien / crédit",
        "percent",
        "derived",
        "goods price / credit amount",
    ),
    _m(
        "EMPLOYED_AGE_RATIO",
        "Share of life in current job",
        "Part de la vie dans l'emploi actuel",
        "percent",
        "derived",
        "time in current job / age",
    ),
    _m(
        "INCOME_PER_PERSON",
        "Income per family member",
        "Revenu par membre de la famille",
        "amount",
        "derived",
        "yearly income / family members",
    ),
    _m(
        "EXT_SOURCE_MEAN",
        "Mean of the external scores",
        "Moyenne des scores externes",
        "score",
        "derived",
        "mean of the known external scores",
    ),
    _m(
        "EXT_SOURCE_MIN",
        "Lowest external score",
        "Plus faible score externe",
        "score",
        "derived",
        "lowest known external score",
    ),
    _m(
        "EXT_SOURCE_MAX",
        "Highest external score",
        "Plus haut score externe",
        "score",
        "derived",
        "highest known external score",
    ),
    _m(
        "EXT_SOURCE_PROD",
        "Product of the external scores",
        "Produit des scores externes",
        "score",
        "derived",
        "product of the three external scores",
    ),
    _m(
        "EXT_SOURCE_NAN_COUNT",
        "Missing external scores",
        "Scores externes manquants",
        "count",
        "derived",
        "number of missing external scores",
    ),
    _m(
        "DOCUMENT_COUNT",
        "Documents provided",
        "Documents fournis",
        "count",
        "derived",
        "number of documents the client provided",
    ),
)

# --- the client's history (credit_core.history: names, meanings and units defined there) -----
_HISTORY_UNITS: dict[str, Unit] = {
    "count": "count",
    "amount": "amount",
    "days": "count",  # a number of days, not a date: shown as is
    "months": "count",
    "share": "percent",
    "ratio": "percent",
    "status": "plain",
}


def _history() -> tuple[FeatureMeta, ...]:
    return tuple(
        _m(
            f.name,
            f.meaning[:1].upper() + f.meaning[1:],
            HISTORY_FR[f.name][:1].upper() + HISTORY_FR[f.name][1:],
            _HISTORY_UNITS[f.unit],
            "history",
            f.meaning,
        )
        for f in HISTORY_FEATURES
    )


FEATURES: dict[str, FeatureMeta] = {
    m.name: m
    for m in (*_APPLICATION, *_building(), *_social_circle(), *_tail(), *_DERIVED, *_history())
}


def meta(name: str) -> FeatureMeta | None:
    return FEATURES.get(name)


def label(name: str, lang: Lang = "en") -> str:
    """``name``'s label in ``lang``; a name outside the table reads as its words, capitalised."""
    m = FEATURES.get(name)
    if m is not None:
        return m.label(lang)
    text = name.replace("_", " ").lower()
    return text[:1].upper() + text[1:]


def unit_of(name: str) -> Unit:
    m = FEATURES.get(name)
    return m.unit if m is not None else "plain"


def group_of(name: str) -> Group:
    m = FEATURES.get(name)
    return m.group if m is not None else "derived"


# --- category levels as people read them (levels not listed read as they come) ---------------
_YES_NO = {"Y": ("Yes", "Oui"), "N": ("No", "Non"), "Yes": ("Yes", "Oui"), "No": ("No", "Non")}
LEVELS: dict[str, dict[str, tuple[str, str]]] = {
    "NAME_CONTRACT_TYPE": {
        "Cash loans": ("Cash loan", "Prêt personnel"),
        "Revolving loans": ("Revolving loan", "Crédit renouvelable"),
    },
    "CODE_GENDER": {
        "F": ("Female", "Femme"),
        "M": ("Male", "Homme"),
        "XNA": ("Not given", "Non renseigné"),
    },
    "FLAG_OWN_CAR": _YES_NO,
    "FLAG_OWN_REALTY": _YES_NO,
    "EMERGENCYSTATE_MODE": _YES_NO,
    "NAME_TYPE_SUITE": {
        "Unaccompanied": ("Unaccompanied", "Seul"),
        "Family": ("Family", "Famille"),
        "Spouse, partner": ("Spouse, partner", "Conjoint, partenaire"),
        "Children": ("Children", "Enfants"),
        "Other_B": ("Other (B)", "Autre (B)"),
        "Other_A": ("Other (A)", "Autre (A)"),
        "Group of people": ("Group of people", "Groupe de personnes"),
    },
    "NAME_INCOME_TYPE": {
        "Working": ("Working", "Salarié"),
        "Commercial associate": ("Commercial associate", "Associé commercial"),
        "Pensioner": ("Pensioner", "Retraité"),
        "State servant": ("State servant", "Fonctionnaire"),
        "Unemployed": ("Unemployed", "Sans emploi"),
        "Student": ("Student", "Étudiant"),
        "Businessman": ("Businessman", "Chef d'entreprise"),
        "Maternity leave": ("Maternity leave", "Congé maternité"),
    },
    "NAME_EDUCATION_TYPE": {
        "Secondary / secondary special": ("Secondary", "Secondaire"),
        "Higher education": ("Higher education", "Études supérieures"),
        "Incomplete higher": ("Incomplete higher education", "Études supérieures inachevées"),
        "Lower secondary": ("Lower secondary", "Premier cycle du secondaire"),
        "Academic degree": ("Academic degree", "Diplôme universitaire de recherche"),
    },
    "NAME_FAMILY_STATUS": {
        "Married": ("Married", "Marié(e)"),
        "Single / not married": ("Single", "Célibataire"),
        "Civil marriage": ("Civil union", "Union civile"),
        "Separated": ("Separated", "Séparé(e)"),
        "Widow": ("Widowed", "Veuf / veuve"),
        "Unknown": ("Unknown", "Inconnue"),
    },
    "NAME_HOUSING_TYPE": {
        "House / apartment": ("House / apartment", "Maison / appartement"),
        "With parents": ("With parents", "Chez les parents"),
        "Municipal apartment": ("Municipal apartment", "Logement municipal"),
        "Rented apartment": ("Rented apartment", "Appartement loué"),
        "Office apartment": ("Company apartment", "Logement de fonction"),
        "Co-op apartment": ("Co-op apartment", "Logement coopératif"),
    },
    "OCCUPATION_TYPE": {
        "Laborers": ("Labourers", "Ouvriers"),
        "Sales staff": ("Sales staff", "Vendeurs"),
        "Core staff": ("Core staff", "Personnel de base"),
        "Managers": ("Managers", "Cadres"),
        "Drivers": ("Drivers", "Chauffeurs"),
        "High skill tech staff": ("Highly skilled technicians", "Techniciens qualifiés"),
        "Accountants": ("Accountants", "Comptables"),
        "Medicine staff": ("Medical staff", "Personnel médical"),
        "Security staff": ("Security staff", "Agents de sécurité"),
        "Cooking staff": ("Cooks", "Cuisiniers"),
        "Cleaning staff": ("Cleaners", "Agents d'entretien"),
        "Private service staff": ("Private service staff", "Personnel de maison"),
        "Low-skill Laborers": ("Low-skilled labourers", "Ouvriers non qualifiés"),
        "Waiters/barmen staff": ("Waiters / bar staff", "Serveurs / barmans"),
        "Secretaries": ("Secretaries", "Secrétaires"),
        "Realty agents": ("Estate agents", "Agents immobiliers"),
        "HR staff": ("HR staff", "Ressources humaines"),
        "IT staff": ("IT staff", "Informaticiens"),
    },
    "WEEKDAY_APPR_PROCESS_START": {
        day: (day.title(), fr)
        for day, fr in (
            ("MONDAY", "Lundi"),
            ("TUESDAY", "Mardi"),
            ("WEDNESDAY", "Mercredi"),
            ("THURSDAY", "Jeudi"),
            ("FRIDAY", "Vendredi"),
            ("SATURDAY", "Samedi"),
            ("SUNDAY", "Dimanche"),
        )
    },
    "FONDKAPREMONT_MODE": {
        "reg oper account": ("Regional operator account", "Compte d'opérateur régional"),
        "reg oper spec account": (
            "Regional operator special account",
            "Compte spécial d'opérateur régional",
        ),
        "not specified": ("Not specified", "Non précisé"),
        "org spec account": ("Owners' special account", "Compte spécial des copropriétaires"),
    },
    "HOUSETYPE_MODE": {
        "block of flats": ("Block of flats", "Immeuble collectif"),
        "specific housing": ("Specific housing", "Logement spécifique"),
        "terraced house": ("Terraced house", "Maison mitoyenne"),
    },
    "WALLSMATERIAL_MODE": {
        "Panel": ("Panel", "Panneaux"),
        "Stone, brick": ("Stone, brick", "Pierre, brique"),
        "Block": ("Block", "Blocs"),
        "Wooden": ("Wooden", "Bois"),
        "Mixed": ("Mixed", "Mixte"),
        "Monolithic": ("Monolithic", "Monolithique"),
        "Others": ("Other", "Autre"),
    },
}

_ORGANIZATION_FR = {
    "XNA": "Non renseigné",
    "Self-employed": "Indépendant",
    "Other": "Autre",
    "Medicine": "Santé",
    "Government": "Administration",
    "School": "École",
    "Kindergarten": "Crèche",
    "Construction": "Construction",
    "Security": "Sécurité",
    "Housing": "Logement",
    "Military": "Armée",
    "Bank": "Banque",
    "Agriculture": "Agriculture",
    "Police": "Police",
    "Postal": "Poste",
    "Security Ministries": "Ministères de la sécurité",
    "Restaurant": "Restauration",
    "Services": "Services",
    "University": "Université",
    "Hotel": "Hôtellerie",
    "Electricity": "Électricité",
    "Insurance": "Assurance",
    "Telecom": "Télécommunications",
    "Emergency": "Secours",
    "Advertising": "Publicité",
    "Realtor": "Immobilier",
    "Culture": "Culture",
    "Mobile": "Téléphonie mobile",
    "Legal Services": "Services juridiques",
    "Cleaning": "Nettoyage",
    "Religion": "Religion",
}
_ORGANIZATION_KIND_FR = {
    "Business Entity": "Entreprise",
    "Trade": "Commerce",
    "Transport": "Transport",
    "Industry": "Industrie",
}
_TYPED = re.compile(r"^(Business Entity|Trade|Transport|Industry):? [Tt]ype (\d+)$")


def level_label(field: str, level: str, lang: Lang = "en") -> str:
    """A category ``level`` of ``field`` as people read it (e.g. CODE_GENDER "F" -> "Female" /
    "Femme"); a level not in the table reads as it comes."""
    if field == "ORGANIZATION_TYPE":
        if level == "XNA":
            return "Not given" if lang == "en" else _ORGANIZATION_FR["XNA"]
        if lang == "en":
            return level
        typed = _TYPED.match(level)
        if typed:
            return f"{_ORGANIZATION_KIND_FR[typed[1]]} : type {typed[2]}"
        return _ORGANIZATION_FR.get(level, level)
    pair = LEVELS.get(field, {}).get(level)
    if pair is None:
        return level
    return pair[1] if lang == "fr" else pair[0]
