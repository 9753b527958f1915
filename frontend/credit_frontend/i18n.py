"""Every label of the app in English and French; ``tr(lang, key, **values)`` formats one."""

from __future__ import annotations

from credit_core import feature_meta
from credit_frontend.history_text import HISTORY_TEXT

LANGS = ("en", "fr")
LANG_NAMES = {"en": "English", "fr": "Français"}

TEXT: dict[str, dict[str, str]] = {
    # shell
    "app_title": {
        "en": "Prêt à Dépenser · credit scoring",
        "fr": "Prêt à Dépenser · score de crédit",
    },
    "language": {"en": "Language", "fr": "Langue"},
    "page_client": {"en": "Client file", "fr": "Dossier client"},
    "page_batch": {"en": "Batch scoring", "fr": "Scoring par lot"},
    "page_monitoring": {"en": "Monitoring", "fr": "Surveillance"},
    "page_model_card": {"en": "Model card", "fr": "Fiche du modèle"},
    "model_card_intro": {
        "en": "What the model is for, what it must not be used for, its data, performance per group, limits, human oversight and monitoring. Written in English for the compliance file.",
        "fr": "À quoi sert le modèle, ce qu'il ne doit pas servir à faire, ses données, ses performances par groupe, ses limites, le contrôle humain et la surveillance. Rédigée en anglais pour le dossier de conformité.",
    },
    "model_card_missing": {
        "en": "The model card has not been built yet (`credit model-card`).",
        "fr": "La fiche du modèle n'a pas encore été produite (`credit model-card`).",
    },
    # human review of a decision
    "review_title": {"en": "Credit officer's review", "fr": "Revue par le chargé de crédit"},
    "review_help": {
        "en": "Confirm or override the model's decision. The review is recorded with who made it and when; it is never edited, a new review is added instead.",
        "fr": "Confirmez ou infirmez la décision du modèle. La revue est enregistrée avec son auteur et sa date ; elle n'est jamais modifiée, une nouvelle revue s'y ajoute.",
    },
    "review_outcome": {"en": "Your decision", "fr": "Votre décision"},
    "review_confirm": {"en": "Confirm", "fr": "Confirmer"},
    "review_override": {"en": "Override", "fr": "Infirmer"},
    "review_reason": {"en": "Reason", "fr": "Motif"},
    "review_note": {"en": "Note", "fr": "Note"},
    "review_note_help": {
        "en": "Required with the reason “Other”.",
        "fr": "Obligatoire avec le motif « Autre ».",
    },
    "review_submit": {"en": "Record the review", "fr": "Enregistrer la revue"},
    "review_saved": {
        "en": "Review recorded. Decision now standing: {decision}.",
        "fr": "Revue enregistrée. Décision retenue : {decision}.",
    },
    "review_history": {"en": "Reviews of this decision", "fr": "Revues de cette décision"},
    "review_none": {"en": "No review yet.", "fr": "Aucune revue pour l'instant."},
    "review_line": {
        "en": "{when} · {who} · **{outcome}** ({reason}): {before} → {after}",
        "fr": "{when} · {who} · **{outcome}** ({reason}) : {before} → {after}",
    },
    "review_unavailable": {
        "en": "Reviews are not available: {detail}",
        "fr": "Les revues ne sont pas disponibles : {detail}",
    },
    "client_reasons_title": {"en": "What the client is told", "fr": "Ce qui est dit au client"},
    "client_reasons_intro": {
        "en": "Your application has been refused. What weighed most against it, most important first:",
        "fr": "Votre demande a été refusée. Ce qui a le plus pesé contre elle, du plus important au moins important :",
    },
    "client_reasons_rights": {
        "en": "You may ask for a credit officer to examine your application again, give your point of view and contest the decision.",
        "fr": "Vous pouvez demander qu'un chargé de crédit réexamine votre demande, faire valoir votre point de vue et contester la décision.",
    },
    "api_connected": {
        "en": "Model {version} · threshold {threshold}",
        "fr": "Modèle {version} · seuil {threshold}",
    },
    # officers' sign-in (st.login, when [auth] is configured)
    "sign_in_needed": {
        "en": "Sign in with your credit officer account to score applications.",
        "fr": "Connectez-vous avec votre compte de chargé de crédit pour scorer des dossiers.",
    },
    "sign_in": {"en": "Sign in", "fr": "Se connecter"},
    "sign_out": {"en": "Sign out", "fr": "Se déconnecter"},
    "signed_in_as": {"en": "Signed in as {name}", "fr": "Connecté : {name}"},
    "session_expired": {
        "en": "Your session has expired: sign in again.",
        "fr": "Votre session a expiré : reconnectez-vous.",
    },
    "err_no_token": {
        "en": 'The sign-in gave no identity token: the app\'s [auth] settings need expose_tokens = "id".',
        "fr": "La connexion n'a fourni aucun jeton d'identité : les réglages [auth] de l'application doivent contenir expose_tokens = \"id\".",
    },
    "err_officer_unauthorized": {
        "en": "The scoring service refused your sign-in (401). Sign out and sign in again.",
        "fr": "Le service de score a refusé votre connexion (401). Déconnectez-vous puis reconnectez-vous.",
    },
    # failures
    "err_settings": {
        "en": "The app is not configured correctly: {reason}",
        "fr": "L'application est mal configurée : {reason}",
    },
    "err_unreachable": {
        "en": "The scoring service cannot be reached at {url}. Check the network or try again in a minute.",
        "fr": "Le service de score est injoignable à l'adresse {url}. Vérifiez le réseau ou réessayez dans une minute.",
    },
    "err_unauthorized": {
        "en": "The scoring service refused the access key (401). Ask the administrator for a valid API key.",
        "fr": "Le service de score a refusé la clé d'accès (401). Demandez une clé d'API valide à l'administrateur.",
    },
    "err_invalid": {
        "en": "Some values cannot be scored; correct them and press Score again. {fields}.",
        "fr": "Certaines valeurs ne peuvent pas être scorées ; corrigez-les puis cliquez à nouveau sur Scorer. {fields}.",
    },
    "must_between": {
        "en": "must be between {lo} and {hi}",
        "fr": "doit être compris entre {lo} et {hi}",
    },
    "must_at_least": {"en": "must be at least {lo}", "fr": "doit valoir au moins {lo}"},
    "must_above": {"en": "must be above {lo}", "fr": "doit être supérieur à {lo}"},
    "must_at_most": {"en": "must be at most {hi}", "fr": "doit valoir au plus {hi}"},
    "must_below": {"en": "must be below {hi}", "fr": "doit être inférieur à {hi}"},
    "must_be_level": {
        "en": "must be one of the listed values",
        "fr": "doit être l'une des valeurs proposées",
    },
    "err_unreadable": {
        "en": "{field}: this value cannot be read as a number",
        "fr": "{field} : cette valeur n'est pas un nombre lisible",
    },
    "err_unavailable": {
        "en": "No model is loaded on the scoring service (503). Scoring is paused; try again later.",
        "fr": "Aucun modèle n'est chargé sur le service de score (503). Le scoring est suspendu ; réessayez plus tard.",
    },
    "err_not_found": {
        "en": "This scoring service does not offer this function yet (404).",
        "fr": "Ce service de score ne propose pas encore cette fonction (404).",
    },
    "err_too_large": {
        "en": "The request is too large for the scoring service (413).",
        "fr": "La requête est trop volumineuse pour le service de score (413).",
    },
    "err_unexpected": {
        "en": "The scoring service answered with an unexpected error ({status}).",
        "fr": "Le service de score a répondu par une erreur inattendue ({status}).",
    },
    "field_error": {"en": "{field}: {message}", "fr": "{field} : {message}"},
    # find a client
    "find_client": {"en": "Find a client", "fr": "Trouver un client"},
    "source": {"en": "Look the client up in", "fr": "Chercher le client dans"},
    "source_sample": {"en": "Sample clients", "fr": "Clients d'exemple"},
    "source_upload": {"en": "Upload a CSV", "fr": "Importer un CSV"},
    "source_blank": {"en": "Blank application", "fr": "Dossier vierge"},
    "upload_clients": {
        "en": "CSV with the application columns",
        "fr": "CSV avec les colonnes du dossier",
    },
    "client_id": {"en": "Client number (SK_ID_CURR)", "fr": "Numéro client (SK_ID_CURR)"},
    "pick_client": {"en": "Choose a client", "fr": "Choisissez un client"},
    "loaded_client": {
        "en": "Client {id} loaded: check the fields, then press Score.",
        "fr": "Client {id} chargé : vérifiez les champs puis cliquez sur Scorer.",
    },
    "blank_loaded": {
        "en": "Blank application: fill in at least the required fields (*).",
        "fr": "Dossier vierge : remplissez au moins les champs obligatoires (*).",
    },
    "bad_csv": {
        "en": "This file cannot be read as a table: save it as CSV (comma or semicolon separated) and try again.",
        "fr": "Ce fichier ne peut pas être lu comme un tableau : enregistrez-le au format CSV (séparateur virgule ou point-virgule) et réessayez.",
    },
    "csv_dialect": {
        "en": "Read with separator “{sep}”, decimal mark “{dec}” and encoding {enc}.",
        "fr": "Lu avec le séparateur « {sep} », la marque décimale « {dec} » et l'encodage {enc}.",
    },
    "no_id_column": {
        "en": "The file has no SK_ID_CURR column.",
        "fr": "Le fichier n'a pas de colonne SK_ID_CURR.",
    },
    # form
    "application": {"en": "Application", "fr": "Dossier"},
    "missing": {"en": "missing", "fr": "manquant"},
    "required_note": {
        "en": "Fields marked \\* are required.",
        "fr": "Les champs marqués \\* sont obligatoires.",
    },
    "years": {"en": "years", "fr": "ans"},
    "allowed": {"en": "Allowed: {lo} to {hi}", "fr": "Autorisé : de {lo} à {hi}"},
    "trained_on": {"en": "Model trained on {lo} to {hi}", "fr": "Modèle entraîné sur {lo} à {hi}"},
    "missing_rate": {
        "en": "Missing for {rate} of training clients",
        "fr": "Manquant pour {rate} des clients d'entraînement",
    },
    "sentinel_choice": {
        "en": "Special code {code} (e.g. pensioner, not employed)",
        "fr": "Code spécial {code} (ex. retraité, sans emploi)",
    },
    "group_identity": {"en": "Identity and family", "fr": "Identité et famille"},
    "group_income": {"en": "Income and credit", "fr": "Revenus et crédit"},
    "group_employment": {"en": "Employment", "fr": "Emploi"},
    "group_housing": {"en": "Housing and region", "fr": "Logement et région"},
    "group_external": {"en": "External scores", "fr": "Scores externes"},
    "group_documents": {"en": "Documents and contact", "fr": "Documents et contact"},
    "group_building": {"en": "The client's building", "fr": "L'immeuble du client"},
    "group_bureau": {
        "en": "Credit bureau and social circle",
        "fr": "Bureau de crédit et entourage",
    },
    "group_history": {"en": "Credit history", "fr": "Historique de crédit"},
    "group_other": {"en": "Other", "fr": "Autres"},
    "score": {"en": "Score", "fr": "Scorer"},
    # result
    "result": {"en": "Decision", "fr": "Décision"},
    "no_result": {
        "en": "Load a client and press Score to see the decision.",
        "fr": "Chargez un client et cliquez sur Scorer pour voir la décision.",
    },
    "request_ref": {
        "en": "Model version {version} · reference of this score: {rid}",
        "fr": "Version du modèle {version} · référence de ce score : {rid}",
    },
    "decision_line": {"en": "Decision: **{decision}**", "fr": "Décision : **{decision}**"},
    "decision_approve": {"en": "Approve", "fr": "Accorder"},
    "decision_refuse": {"en": "Refuse", "fr": "Refuser"},
    "probability": {"en": "Probability of default", "fr": "Probabilité de défaut"},
    "threshold": {"en": "Decision threshold", "fr": "Seuil de décision"},
    "risk_grade": {"en": "Risk grade", "fr": "Classe de risque"},
    "model_version": {"en": "Model version", "fr": "Version du modèle"},
    "gauge_summary": {
        "en": "Probability of default {p}, {side} the decision threshold of {t}: {decision}. Risk grade {grade} (A lowest risk, E highest).",
        "fr": "Probabilité de défaut {p}, {side} du seuil de décision de {t} : {decision}. Classe de risque {grade} (A risque le plus faible, E le plus élevé).",
    },
    "below": {"en": "below", "fr": "en dessous"},
    "above": {"en": "at or above", "fr": "au-dessus ou au niveau"},
    "warnings": {"en": "Values to check", "fr": "Valeurs à vérifier"},
    "warn_outside": {
        "en": "{field} = {value} is outside what the model was trained on ({lo} to {hi}); the score is less reliable.",
        "fr": "{field} = {value} est hors de ce que le modèle a vu à l'entraînement ({lo} à {hi}) ; le score est moins fiable.",
    },
    "warn_unseen": {
        "en": "{field} = {value} was never seen in training; it was scored as missing.",
        "fr": "{field} = {value} n'a jamais été vu à l'entraînement ; il a été traité comme manquant.",
    },
    "stale_result": {
        "en": "The form changed since this score: press Score again.",
        "fr": "Le dossier a changé depuis ce score : cliquez à nouveau sur Scorer.",
    },
    # explanation
    "tab_explain": {"en": "Why this decision", "fr": "Pourquoi cette décision"},
    "tab_population": {
        "en": "Compared with other clients",
        "fr": "Comparaison avec les autres clients",
    },
    "tab_importance": {"en": "What the model looks at", "fr": "Ce que regarde le modèle"},
    "waterfall_title": {
        "en": "Main factors of this score",
        "fr": "Principaux facteurs de ce score",
    },
    "waterfall_axis": {
        "en": "Probability of default (log-odds scale: effects add up)",
        "fr": "Probabilité de défaut (échelle log-odds : les effets s'additionnent)",
    },
    "average_client": {"en": "Average client", "fr": "Client moyen"},
    "other_factors": {"en": "{n} other factors", "fr": "{n} autres facteurs"},
    "this_client": {"en": "This client", "fr": "Ce client"},
    "raises": {"en": "raises the risk", "fr": "augmente le risque"},
    "lowers": {"en": "lowers the risk", "fr": "diminue le risque"},
    "reason_line": {"en": "{label} ({value}) {verb}.", "fr": "{label} ({value}) {verb}."},
    "reasons_against": {"en": "Against the application", "fr": "En défaveur du dossier"},
    "reasons_for": {"en": "In favour of the application", "fr": "En faveur du dossier"},
    "none": {"en": "none", "fr": "aucun"},
    "waterfall_summary": {
        "en": "Starting from the average client, the factors that raise this client's risk most are: {up}. Those that lower it most are: {down}.",
        "fr": "Par rapport au client moyen, les facteurs qui augmentent le plus le risque de ce client sont : {up}. Ceux qui le diminuent le plus sont : {down}.",
    },
    "importance_title": {
        "en": "Average weight of each factor in the model",
        "fr": "Poids moyen de chaque facteur dans le modèle",
    },
    "importance_axis": {
        "en": "Mean absolute effect (log-odds)",
        "fr": "Effet absolu moyen (log-odds)",
    },
    "importance_summary": {
        "en": "Across all clients, the model relies most on: {top}.",
        "fr": "Sur l'ensemble des clients, le modèle s'appuie surtout sur : {top}.",
    },
    # population
    "feature": {"en": "Feature", "fr": "Caractéristique"},
    "second_feature": {"en": "Second feature", "fr": "Seconde caractéristique"},
    "repaid": {"en": "Repaid", "fr": "Remboursé"},
    "defaulted": {"en": "Defaulted", "fr": "En défaut"},
    "share": {"en": "Share of clients", "fr": "Part des clients"},
    "distribution_title": {
        "en": "{feature}: repaid and defaulted clients",
        "fr": "{feature} : clients ayant remboursé et en défaut",
    },
    "default_rate": {"en": "Default rate in the group", "fr": "Taux de défaut du groupe"},
    "other_levels": {"en": "other", "fr": "autres"},
    "or_missing": {"en": " or missing", "fr": " ou manquant"},
    "group_summary": {
        "en": "{feature}: this client ({value}) is in the group '{group}': {n} reference clients, {d} of them defaulted ({rate}, against {pall} overall); mean probability of default {mean}.",
        "fr": "{feature} : ce client ({value}) est dans le groupe « {group} » : {n} clients de référence, dont {d} en défaut ({rate}, contre {pall} au total) ; probabilité de défaut moyenne {mean}.",
    },
    "group_none": {
        "en": "{feature}: this client's value ({value}) falls in no published group (groups of fewer than {k} repaid or defaulted clients are not shown).",
        "fr": "{feature} : la valeur de ce client ({value}) n'est dans aucun groupe publié (les groupes de moins de {k} clients remboursés ou en défaut ne sont pas affichés).",
    },
    "reference_rows": {
        "en": "Reference: {n} training clients of model {version}, shown in groups of at least {k} repaid and {k} defaulted clients.",
        "fr": "Référence : {n} clients d'entraînement du modèle {version}, présentés par groupes d'au moins {k} clients remboursés et {k} en défaut.",
    },
    "no_reference": {
        "en": "Population data is not available: {why}",
        "fr": "Les données de population ne sont pas disponibles : {why}",
    },
    # batch
    "batch_intro": {
        "en": "Upload a CSV with one application per row (the application columns; others are ignored). You get it back with the probability, the decision, the grade and, for rows that could not be scored, the reason.",
        "fr": "Importez un CSV avec un dossier par ligne (les colonnes du dossier ; les autres sont ignorées). Vous le récupérez avec la probabilité, la décision, la classe et, pour les lignes non scorées, le motif.",
    },
    "batch_file": {"en": "Applications (CSV)", "fr": "Dossiers (CSV)"},
    "batch_run": {"en": "Score the file", "fr": "Scorer le fichier"},
    "batch_progress": {
        "en": "Scoring rows {done} / {total}",
        "fr": "Scoring des lignes {done} / {total}",
    },
    "batch_all_scored": {
        "en": "All {scored} rows scored.",
        "fr": "Les {scored} lignes ont été scorées.",
    },
    "batch_done": {
        "en": "{scored} rows scored, {refused} not scored (invalid data: see the reason).",
        "fr": "{scored} lignes scorées, {refused} non scorées (données invalides : voir le motif).",
    },
    "batch_ignored": {
        "en": "Columns ignored (not used by the model): {cols}",
        "fr": "Colonnes ignorées (non utilisées par le modèle) : {cols}",
    },
    "batch_download": {"en": "Download the results (CSV)", "fr": "Télécharger les résultats (CSV)"},
    "batch_summary": {
        "en": "Of {scored} scored applications, {approved} would be approved and {refused_dec} refused; average probability of default {mean}.",
        "fr": "Sur {scored} dossiers scorés, {approved} seraient accordés et {refused_dec} refusés ; probabilité de défaut moyenne {mean}.",
    },
    "col_row": {"en": "Row", "fr": "Ligne"},
    "col_probability": {"en": "Probability of default", "fr": "Probabilité de défaut"},
    "col_decision": {"en": "Decision", "fr": "Décision"},
    "col_grade": {"en": "Grade", "fr": "Classe"},
    "col_reason": {"en": "Why not scored", "fr": "Motif du non-scoring"},
    "col_warnings": {"en": "Warnings", "fr": "Avertissements"},
    "batch_empty": {"en": "The file has no rows.", "fr": "Le fichier ne contient aucune ligne."},
    # monitoring
    "mon_intro": {
        "en": "Latest drift check of the data the API scored against the training data.",
        "fr": "Dernier contrôle de dérive des données scorées par l'API par rapport aux données d'entraînement.",
    },
    "mon_not_configured": {
        "en": "No reports location is configured (REPORTS_URI).",
        "fr": "Aucun emplacement de rapports n'est configuré (REPORTS_URI).",
    },
    "mon_unreadable": {
        "en": "The latest drift summary cannot be read from {uri}: {error}",
        "fr": "Le dernier résumé de dérive est illisible à {uri} : {error}",
    },
    "mon_no_data": {
        "en": "No scored requests in the window {since} to {until}: nothing to compare.",
        "fr": "Aucune requête scorée entre {since} et {until} : rien à comparer.",
    },
    "mon_window": {
        "en": "Window {since} to {until} · model {version} · {rows} applications",
        "fr": "Période du {since} au {until} · modèle {version} · {rows} dossiers",
    },
    "drift_share": {"en": "Share of drifted features", "fr": "Part de caractéristiques en dérive"},
    "drifted_columns": {"en": "Drifted features", "fr": "Caractéristiques en dérive"},
    "est_default_rate": {"en": "Estimated default rate", "fr": "Taux de défaut estimé"},
    "est_cost": {"en": "Estimated cost per application", "fr": "Coût estimé par dossier"},
    "vs_training": {"en": "vs training", "fr": "vs entraînement"},
    "refusal_rate": {"en": "Refusal rate", "fr": "Taux de refus"},
    "top_drifted": {"en": "Most drifted features", "fr": "Caractéristiques les plus en dérive"},
    "col_feature": {"en": "Feature", "fr": "Caractéristique"},
    "col_method": {"en": "What changed", "fr": "Ce qui a changé"},
    "method_missing": {"en": "share of missing values", "fr": "part de valeurs manquantes"},
    "method_values": {"en": "distribution of the values", "fr": "répartition des valeurs"},
    "col_score": {"en": "Drift score (PSI)", "fr": "Score de dérive (PSI)"},
    "col_threshold": {"en": "Drift threshold", "fr": "Seuil de dérive"},
    "col_drifted": {"en": "Drifted", "fr": "En dérive"},
    "col_importance": {"en": "Share of model importance", "fr": "Part de l'importance du modèle"},
    "col_missing_ref": {"en": "Missing (training)", "fr": "Manquant (entraînement)"},
    "col_missing_cur": {"en": "Missing (now)", "fr": "Manquant (actuel)"},
    "mon_report": {"en": "Open the full drift report", "fr": "Ouvrir le rapport de dérive complet"},
    "mon_report_download": {
        "en": "Download the full drift report (HTML)",
        "fr": "Télécharger le rapport de dérive complet (HTML)",
    },
    "mon_summary": {
        "en": "{drifted} of {total} features drifted ({share}). Estimated default rate {rate} against {train_rate} in training; estimated cost per application {cost} against {train_cost}.",
        "fr": "{drifted} caractéristiques sur {total} en dérive ({share}). Taux de défaut estimé {rate} contre {train_rate} à l'entraînement ; coût estimé par dossier {cost} contre {train_cost}.",
    },
    "trend_title": {"en": "Trend over past runs", "fr": "Évolution sur les contrôles passés"},
    "trend_summary": {
        "en": "{n} runs from {first} to {last}: drift share went from {s0} to {s1}, estimated default rate from {r0} to {r1}.",
        "fr": "{n} contrôles du {first} au {last} : la part en dérive est passée de {s0} à {s1}, le taux de défaut estimé de {r0} à {r1}.",
    },
    "trend_one": {
        "en": "Only one run so far: no trend yet.",
        "fr": "Un seul contrôle pour l'instant : pas encore d'évolution.",
    },
    # monitoring: client history (DriftSummary.history and the history features' drift)
    "hmon_title": {"en": "Client history", "fr": "Historique client"},
    "hmon_intro": {
        "en": "Applicants the history store holds nothing for are scored as clients without history. A change in their share moves many scores at once, and a sudden rise often means a publication of the store was missed.",
        "fr": "Les demandeurs dont le magasin d'historique ne contient rien sont scorés comme des clients sans historique. Un changement de leur part déplace de nombreux scores à la fois, et une hausse soudaine signale souvent une publication du magasin manquée.",
    },
    "hmon_share": {"en": "Applicants without history", "fr": "Demandeurs sans historique"},
    "hmon_reference": {"en": "Reference", "fr": "Référence"},
    "hmon_rows": {"en": "Applicants counted", "fr": "Demandeurs comptés"},
    "hmon_vs_reference": {"en": "vs reference", "fr": "vs référence"},
    "hmon_source_reference": {"en": "the reference data", "fr": "les données de référence"},
    "hmon_source_model_card": {
        "en": "training (model card)",
        "fr": "l'entraînement (fiche du modèle)",
    },
    "hmon_warning": {
        "en": "The share of applicants without history moved by {shift} pt: {share} against {ref} in {source} ({rows} applicants). Check that the history store's last publication is complete before trusting the scores.",
        "fr": "La part des demandeurs sans historique a bougé de {shift} pt : {share} contre {ref} dans {source} ({rows} demandeurs). Vérifiez que la dernière publication du magasin d'historique est complète avant de vous fier aux scores.",
    },
    "hmon_ok": {
        "en": "{share} without history against {ref} in {source}: within the rule (a warning when the share moves by {max} pt or more over at least {min_rows} applicants).",
        "fr": "{share} sans historique contre {ref} dans {source} : dans la règle (alerte quand la part bouge de {max} pt ou plus sur au moins {min_rows} demandeurs).",
    },
    "hmon_no_reference": {
        "en": "{share} without history; no reference share to compare with (neither a reference table nor training's share in the model card).",
        "fr": "{share} sans historique ; aucune part de référence pour comparer (ni table de référence, ni part de l'entraînement dans la fiche du modèle).",
    },
    "hmon_no_rows": {
        "en": "No applicant of this window says whether history was found.",
        "fr": "Aucun demandeur de cette période n'indique si un historique a été trouvé.",
    },
    "hmon_unknown": {
        "en": "{n} older records do not say whether history was found: not counted.",
        "fr": "{n} enregistrements plus anciens n'indiquent pas si un historique a été trouvé : non comptés.",
    },
    "hmon_days_title": {
        "en": "Share of applicants without history, day by day",
        "fr": "Part des demandeurs sans historique, jour par jour",
    },
    "hmon_band": {"en": "Warning limits", "fr": "Limites d'alerte"},
    "hmon_drift_title": {
        "en": "Drift of the history features",
        "fr": "Dérive des caractéristiques d'historique",
    },
    "hmon_drift": {
        "en": "History features drifted: {drifted} of {total}.",
        "fr": "Caractéristiques d'historique en dérive : {drifted} sur {total}.",
    },
    "hmon_col_rank": {"en": "Rank (drift × importance)", "fr": "Rang (dérive × importance)"},
    "run_date": {"en": "Run", "fr": "Contrôle"},
    "yes": {"en": "yes", "fr": "oui"},
    "no": {"en": "no", "fr": "non"},
}
TEXT |= HISTORY_TEXT  # the client file's History section


# the API's validation messages (English) that the UI translates; others are shown as received
API_MESSAGES_FR = {
    "required field is missing": "champ obligatoire manquant",
    "Input should be greater than or equal to": "La valeur doit être supérieure ou égale à",
    "Input should be less than or equal to": "La valeur doit être inférieure ou égale à",
    "Input should be": "La valeur doit être",
    "Input should be a valid integer": "La valeur doit être un nombre entier",
    "Input should be a valid number": "La valeur doit être un nombre",
    "Extra inputs are not permitted": "Champ inconnu du modèle",
}


def api_message(lang: str, message: str) -> str:
    """An API validation message in ``lang`` (the longest known English prefix is replaced)."""
    if lang != "fr":
        return message
    for en in sorted(API_MESSAGES_FR, key=len, reverse=True):
        if message.startswith(en):
            return API_MESSAGES_FR[en] + message[len(en) :]
    return message


def tr(lang: str, key: str, **values: object) -> str:
    """The label ``key`` in ``lang`` (English if absent), formatted with ``values``."""
    entry = TEXT[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text


def field_label(lang: str, name: str, fallback: str | None = None) -> str:
    """A field's people's label in ``lang`` from the feature metadata table
    (:mod:`credit_core.feature_meta`); else ``fallback`` (e.g. the API's label) or its words."""
    if name in feature_meta.FEATURES or not fallback:
        return feature_meta.label(name, "fr" if lang == "fr" else "en")
    return fallback[:1].upper() + fallback[1:]


def level_label(lang: str, field: str, level: str) -> str:
    """A category level as people read it in ``lang`` (the metadata table's translation)."""
    return feature_meta.level_label(field, level, "fr" if lang == "fr" else "en")
