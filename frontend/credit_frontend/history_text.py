"""The History section's labels in English and French (merged into ``i18n.TEXT``)."""

from __future__ import annotations

HISTORY_TEXT: dict[str, dict[str, str]] = {
    "history": {"en": "Credit history", "fr": "Historique de crédit"},
    "history_reason_line": {"en": "{phrase}: {verb}.", "fr": "{phrase} : {verb}."},
    "history_pick": {
        "en": "Pick a client to see their credit history.",
        "fr": "Choisissez un client pour voir son historique de crédit.",
    },
    "history_none": {
        "en": "No credit history: client {id} has no credit reported by the credit bureau, no previous application with us, and no instalment or card record. The model scores this client as a client without history.",
        "fr": "Aucun historique de crédit : le client {id} n'a aucun crédit déclaré au bureau de crédit, aucune demande précédente chez nous, ni échéance ni carte. Le modèle le score comme un client sans historique.",
    },
    "history_unavailable": {
        "en": "The credit history cannot be read right now ({why}). This does not mean the client has none: retry later before relying on it.",
        "fr": "L'historique de crédit ne peut pas être lu pour l'instant ({why}). Cela ne veut pas dire que le client n'en a pas : réessayez plus tard avant de vous y fier.",
    },
    "history_as_of": {
        "en": "History as of {date}; times are counted from the day of the application.",
        "fr": "Historique au {date} ; les durées sont comptées à partir du jour de la demande.",
    },
    "bureau_title": {
        "en": "Credits at other lenders (credit bureau)",
        "fr": "Crédits chez d'autres prêteurs (bureau de crédit)",
    },
    "bureau_active": {"en": "Active credits", "fr": "Crédits en cours"},
    "bureau_closed": {"en": "Closed credits", "fr": "Crédits clôturés"},
    "bureau_debt": {"en": "Still owed", "fr": "Restant dû"},
    "bureau_overdue": {"en": "Overdue now", "fr": "En retard actuellement"},
    "bureau_none": {
        "en": "No credit reported by the credit bureau.",
        "fr": "Aucun crédit déclaré par le bureau de crédit.",
    },
    "bureau_summary": {
        "en": "Credits at other lenders: active {active}; closed {closed}{other}; still owed {debt}; overdue now {overdue}.",
        "fr": "Crédits chez d'autres prêteurs : en cours {active} ; clôturés {closed}{other} ; restant dû {debt} ; en retard actuellement {overdue}.",
    },
    "bureau_other": {
        "en": "; written off or sold to a collector {n}",
        "fr": " ; passés en perte ou cédés à un recouvreur {n}",
    },
    "previous_title": {
        "en": "Previous applications with us",
        "fr": "Demandes précédentes chez nous",
    },
    "previous_approved": {"en": "Approved", "fr": "Acceptées"},
    "previous_refused": {"en": "Refused", "fr": "Refusées"},
    "previous_none": {"en": "No previous application.", "fr": "Aucune demande précédente."},
    "previous_summary": {
        "en": "Previous applications: {n}; approved {approved}; refused {refused}; cancelled or not used {other}.",
        "fr": "Demandes précédentes : {n} ; acceptées {approved} ; refusées {refused} ; annulées ou non utilisées {other}.",
    },
    "col_status": {"en": "Status", "fr": "Statut"},
    "col_amount": {"en": "Amount", "fr": "Montant"},
    "col_debt": {"en": "Still owed", "fr": "Restant dû"},
    "col_overdue": {"en": "Overdue", "fr": "En retard"},
    "col_opened": {"en": "Opened", "fr": "Ouvert"},
    "col_ends": {"en": "Ends / ended", "fr": "Fin (prévue ou réelle)"},
    "col_asked": {"en": "Amount asked", "fr": "Montant demandé"},
    "col_granted": {"en": "Amount granted", "fr": "Montant accordé"},
    "col_decided": {"en": "Decided", "fr": "Décidée"},
    "status_Active": {"en": "Active", "fr": "En cours"},
    "status_Closed": {"en": "Closed", "fr": "Clôturé"},
    "status_Bad debt": {"en": "Bad debt", "fr": "Perte"},
    "status_Sold": {"en": "Sold to a collector", "fr": "Cédé à un recouvreur"},
    "status_Approved": {"en": "Approved", "fr": "Acceptée"},
    "status_Refused": {"en": "Refused", "fr": "Refusée"},
    "status_Canceled": {"en": "Cancelled", "fr": "Annulée"},
    "status_Unused offer": {"en": "Offer not used", "fr": "Offre non utilisée"},
    "day_ago": {"en": "{n} day ago", "fr": "il y a {n} jour"},
    "in_day": {"en": "in {n} day", "fr": "dans {n} jour"},
    "days_ago": {"en": "{n} days ago", "fr": "il y a {n} jours"},
    "months_ago": {"en": "{n} months ago", "fr": "il y a {n} mois"},
    "years_ago": {"en": "{n} years ago", "fr": "il y a {n} ans"},
    "in_days": {"en": "in {n} days", "fr": "dans {n} jours"},
    "in_months": {"en": "in {n} months", "fr": "dans {n} mois"},
    "in_years": {"en": "in {n} years", "fr": "dans {n} ans"},
    "at_application": {"en": "application day", "fr": "jour de la demande"},
    "punctuality_title": {
        "en": "Instalments of earlier loans, month by month",
        "fr": "Échéances des prêts précédents, mois par mois",
    },
    "on_time": {"en": "Paid on time", "fr": "Payées à temps"},
    "late": {"en": "Paid late", "fr": "Payées en retard"},
    "missed": {"en": "Not paid", "fr": "Non payées"},
    "instalments": {"en": "Instalments", "fr": "Échéances"},
    "months_axis": {
        "en": "Months before the application",
        "fr": "Mois avant la demande",
    },
    "punctuality_summary": {
        "en": "Instalments due over the last {months} months: {total}; paid on time {on_time}; paid late {late}; not paid {missed}.",
        "fr": "Échéances dues sur les {months} derniers mois : {total} ; payées à temps {on_time} ; payées en retard {late} ; non payées {missed}.",
    },
    "punctuality_none": {
        "en": "No instalment fell due in the last {months} months.",
        "fr": "Aucune échéance dans les {months} derniers mois.",
    },
    "cards_title": {
        "en": "Credit card use (balance / limit), month by month",
        "fr": "Utilisation des cartes de crédit (solde / plafond), mois par mois",
    },
    "utilisation": {"en": "Share of the limit used", "fr": "Part du plafond utilisée"},
    "limit_line": {"en": "Limit", "fr": "Plafond"},
    "cards_summary": {
        "en": "Card use in the latest month: {last} of the limit; {mean} on average and {max} at most over the last {months} months.",
        "fr": "Utilisation des cartes le dernier mois : {last} du plafond ; {mean} en moyenne et {max} au plus sur les {months} derniers mois.",
    },
    "cards_none": {
        "en": "No credit card with us in the last {months} months.",
        "fr": "Aucune carte de crédit chez nous dans les {months} derniers mois.",
    },
}
