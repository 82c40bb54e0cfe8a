// @ts-check
/**
 * Every word of the console, French first, English second. These are the operators' words, not
 * the subscribers' (USSD and SMS texts live in menus/lang/): no GSM-7 limit here.
 */

/** @typedef {'fr' | 'en'} Lang */

/** @type {Record<Lang, Record<string, string>>} */
const TEXTS = {
  fr: {
    'app.title': 'Console des opérateurs REGIDESO',
    'app.skip': 'Aller au contenu',
    'nav.label': 'Pages de la console',
    'nav.health': 'Santé',
    'nav.flags': 'Signalements',
    'nav.payments': 'Paiements',
    'nav.reconciliation': 'Rapprochement',
    'nav.funnel': 'Abandons',
    'lang.switch': 'English',
    'lang.switchLabel': 'Switch the console to English',
    'me.signedInAs': 'Connecté : {name} ({role})',
    'me.signOut': 'Se déconnecter',
    'role.viewer': 'lecture',
    'role.resolver': 'résolution',
    'role.admin': 'administration',
    'open.banner': 'Aucune clé d’opérateur n’existe encore : la console est ouverte à quiconque atteint ce serveur (hors production seulement). Créez une clé pour la fermer : npm run operator -- add --name NOM --role admin',
    'signin.title': 'Connexion',
    'signin.intro': 'Collez la clé d’opérateur qui vous a été remise (elle commence par rgdop_).',
    'signin.key': 'Clé d’opérateur',
    'signin.submit': 'Se connecter',
    'signin.wrong': 'Cette clé n’est pas valable (erronée, ou révoquée).',
    'signin.limited': 'Trop d’essais manqués depuis cette adresse : attendez une minute.',
    'signin.help': 'Pas de clé ? Un administrateur en crée une : npm run operator -- add --name NOM --role viewer|resolver|admin',
    'error.network': 'Le serveur ne répond pas. Réessayez.',
    'error.generic': 'Erreur : {message}',
    'error.forbidden': 'Votre rôle ne permet pas cette action.',
    'loading': 'Chargement…',
    'none': '—',
    'yes': 'oui',
    'no': 'non',

    'health.title': 'Santé du service',
    'health.regideso': 'REGIDESO',
    'health.regidesoUp': 'joignable',
    'health.regidesoDown': 'injoignable',
    'health.checkedAt': 'dernière vérification : {at}',
    'health.neverChecked': 'pas encore vérifié',
    'health.wallets': 'Porte-monnaie mobiles',
    'health.walletsUnknown': 'Disponibilité non connue (non branchée sur ce serveur).',
    'health.walletsError': 'Disponibilité illisible pour le moment.',
    'health.provider': 'Opérateur',
    'health.deposits': 'Débits',
    'health.refunds': 'Remboursements',
    'health.jobs': 'Travail en attente',
    'health.job.payments': 'paiements en cours',
    'health.job.sms': 'SMS à envoyer',
    'health.job.sms-inbound': 'SMS reçus sans réponse',
    'health.smsFailing': 'SMS en échec',
    'health.smsFailingText': '{n} SMS refusé(s) par notre passerelle en ce moment',
    'health.flags': 'Signalements ouverts',
    'health.noFlags': 'Aucun signalement ouvert.',
    'health.seeFlags': 'Voir les signalements',
    'health.routine': 'Chaque matin : cette page, puis les signalements, puis le rapprochement d’hier.',

    'flags.title': 'Signalements ouverts',
    'flags.intro': 'Les plus anciens en premier. Chacun dit ce qui s’est passé et quoi vérifier.',
    'flags.empty': 'Aucun signalement ouvert : rien à faire.',
    'flags.more': 'Seuls les {n} premiers sont affichés : résolvez-en pour voir les suivants.',
    'flags.since': 'signalé le {at}',
    'flags.check': 'À vérifier :',
    'flags.open': 'Ouvrir le paiement',
    'flags.note': 'Note de résolution (ce qui a été fait)',
    'flags.resolve': 'Marquer comme résolu',
    'flags.noteRequired': 'Écrivez ce qui a été fait (3 caractères au moins).',
    'flags.resolved': 'Résolu par {by}.',

    'payments.title': 'Paiements',
    'payments.search': 'Rechercher',
    'payments.phone': 'Téléphone',
    'payments.ref': 'Référence client',
    'payments.numAcquit': 'N° de quittance ou référence RGD-…',
    'payments.depositId': 'Identifiant de dépôt',
    'payments.status': 'Statut',
    'payments.anyStatus': 'tous',
    'payments.from': 'Du',
    'payments.to': 'Au',
    'payments.submit': 'Rechercher',
    'payments.clear': 'Effacer',
    'payments.empty': 'Aucun paiement ne correspond.',
    'payments.shown': '{n} paiement(s) affiché(s).',
    'payments.moreExist': 'D’autres suivent.',
    'payments.next': 'Page suivante',
    'payments.first': 'Première page',
    'payments.col.date': 'Date',
    'payments.col.phone': 'Téléphone',
    'payments.col.ref': 'Référence',
    'payments.col.amount': 'Montant',
    'payments.col.status': 'Statut',
    'payments.col.receipt': 'Quittance',
    'payments.col.flag': 'Signalement',

    'payment.title': 'Paiement {id}',
    'payment.back': 'Retour à la recherche',
    'payment.notFound': 'Aucun paiement n’a cet identifiant.',
    'payment.summary': 'Résumé',
    'payment.amount': 'Montant',
    'payment.status': 'Statut',
    'payment.subscriber': 'Abonné',
    'payment.ref': 'Référence client',
    'payment.province': 'Province',
    'payment.phone': 'Téléphone',
    'payment.receipt': 'Quittance',
    'payment.ownReference': '(notre référence : la réponse de REGIDESO s’est perdue)',
    'payment.bills': 'Factures',
    'payment.wallet': 'Porte-monnaie',
    'payment.deposit': 'Dépôt',
    'payment.refund': 'Remboursement',
    'payment.remaining': 'Reste dû sur le compte',
    'payment.flag': 'Signalement',
    'payment.flagResolved': 'Résolu le {at} par {by} : {note}',
    'payment.story': 'Histoire du paiement',
    'payment.by': 'par {by}',
    'payment.subscriberBy': 'l’abonné {phone}',
    'payment.resend': 'Renvoyer le SMS de quittance',
    'payment.resent': 'Quittance renvoyée : un nouveau SMS est en file d’envoi.',
    'payment.noReceipt': 'Ce paiement n’a pas de quittance à renvoyer.',
    'sms.queued': 'SMS {kind} écrit : « {body} »',
    'sms.send': 'SMS {kind} remis à la passerelle',
    'sms.delivery': 'remise : {status}',
    'sms.deliveryUnknown': 'remise : pas encore de rapport',
    'sms.status.queued': 'en file d’envoi',
    'sms.status.sent': 'envoyé',
    'sms.status.failed': 'refusé pour le destinataire',
    'sms.kind.receipt': 'de quittance',
    'sms.kind.notice': 'd’avis',
    'sms.kind.reply': 'de réponse',

    'recon.title': 'Rapprochement quotidien',
    'recon.intro': 'Chaque paiement du jour (heure de Kinshasa) comparé à REGIDESO (la quittance) et à pawaPay (le dépôt, le remboursement).',
    'recon.day': 'Jour',
    'recon.show': 'Afficher',
    'recon.run': 'Lancer le rapprochement',
    'recon.running': 'En cours… la page se met à jour seule.',
    'recon.none': 'Aucun rapprochement pour ce jour.',
    'recon.failed': 'Ce rapprochement a échoué : relancez-le.',
    'recon.startedBy': 'Lancé par {by} le {at}; fini le {end}.',
    'recon.totals': 'Totaux du jour',
    'recon.ledger': 'Dans notre registre',
    'recon.matched': 'Concordants',
    'recon.open': 'Encore en cours',
    'recon.unchecked': 'Non vérifiés',
    'recon.count': '{n} paiement(s)',
    'recon.byProvider': 'Par opérateur',
    'recon.col.provider': 'Opérateur',
    'recon.col.count': 'Paiements',
    'recon.col.amount': 'Montant',
    'recon.col.matched': 'Concordants',
    'recon.col.mismatched': 'Écarts',
    'recon.mismatches': 'Écarts ({n})',
    'recon.noMismatch': 'Aucun écart.',
    'recon.col.payment': 'Paiement',
    'recon.col.reason': 'Raison',
    'recon.col.receipt': 'Quittance',
    'recon.csv': 'Télécharger le CSV',

    'funnel.title': 'Où les sessions s’arrêtent',
    'funnel.intro': 'Par écran du menu : les sessions qui l’ont atteint, et celles qui s’y sont terminées, selon qui y a mis fin.',
    'funnel.day': 'Jour',
    'funnel.show': 'Afficher',
    'funnel.empty': 'Aucune session terminée ce jour-là.',
    'funnel.col.screen': 'Écran',
    'funnel.col.reached': 'Atteint',
    'funnel.col.dropped': 'Arrêtées ici sans payer',
    'funnel.ending.paid': 'Paiement enregistré',
    'funnel.ending.subscriber_end': 'Fin choisie par l’abonné (END, annulation)',
    'funnel.ending.network_incomplete': 'Réseau : Incomplete (raccroché, délai dépassé)',
    'funnel.ending.network_failed': 'Réseau : Failed',
    'funnel.ending.expired': 'Expirée sans avis du réseau',
    'funnel.ending.other': 'Autre statut',
  },
  en: {
    'app.title': 'REGIDESO operators’ console',
    'app.skip': 'Skip to content',
    'nav.label': 'Console pages',
    'nav.health': 'Health',
    'nav.flags': 'Flags',
    'nav.payments': 'Payments',
    'nav.reconciliation': 'Reconciliation',
    'nav.funnel': 'Drop-offs',
    'lang.switch': 'Français',
    'lang.switchLabel': 'Passer la console en français',
    'me.signedInAs': 'Signed in: {name} ({role})',
    'me.signOut': 'Sign out',
    'role.viewer': 'viewer',
    'role.resolver': 'resolver',
    'role.admin': 'admin',
    'open.banner': 'No operator key exists yet: the console is open to anyone who reaches this server (outside production only). Make a key to close it: npm run operator -- add --name NAME --role admin',
    'signin.title': 'Sign in',
    'signin.intro': 'Paste the operator key you were given (it starts with rgdop_).',
    'signin.key': 'Operator key',
    'signin.submit': 'Sign in',
    'signin.wrong': 'This key is not valid (wrong, or revoked).',
    'signin.limited': 'Too many failed attempts from this address: wait a minute.',
    'signin.help': 'No key? An administrator makes one: npm run operator -- add --name NAME --role viewer|resolver|admin',
    'error.network': 'The server does not answer. Try again.',
    'error.generic': 'Error: {message}',
    'error.forbidden': 'Your role does not allow this.',
    'loading': 'Loading…',
    'none': '—',
    'yes': 'yes',
    'no': 'no',

    'health.title': 'Service health',
    'health.regideso': 'REGIDESO',
    'health.regidesoUp': 'reachable',
    'health.regidesoDown': 'unreachable',
    'health.checkedAt': 'last checked: {at}',
    'health.neverChecked': 'not checked yet',
    'health.wallets': 'Mobile wallets',
    'health.walletsUnknown': 'Availability not known (not wired on this server).',
    'health.walletsError': 'Availability cannot be read right now.',
    'health.provider': 'Provider',
    'health.deposits': 'Deposits',
    'health.refunds': 'Refunds',
    'health.jobs': 'Work waiting',
    'health.job.payments': 'payments in progress',
    'health.job.sms': 'SMS to send',
    'health.job.sms-inbound': 'inbound SMS not answered',
    'health.smsFailing': 'SMS failing',
    'health.smsFailingText': '{n} SMS refused by our gateway right now',
    'health.flags': 'Open flags',
    'health.noFlags': 'No open flag.',
    'health.seeFlags': 'See the flags',
    'health.routine': 'Every morning: this page, then the flags, then yesterday’s reconciliation.',

    'flags.title': 'Open flags',
    'flags.intro': 'Oldest first. Each one says what happened and what to check.',
    'flags.empty': 'No open flag: nothing to do.',
    'flags.more': 'Only the first {n} are shown: resolve some to see the next ones.',
    'flags.since': 'flagged on {at}',
    'flags.check': 'What to check:',
    'flags.open': 'Open the payment',
    'flags.note': 'Resolution note (what was done)',
    'flags.resolve': 'Mark as resolved',
    'flags.noteRequired': 'Write what was done (3 characters at least).',
    'flags.resolved': 'Resolved by {by}.',

    'payments.title': 'Payments',
    'payments.search': 'Search',
    'payments.phone': 'Phone',
    'payments.ref': 'Customer reference',
    'payments.numAcquit': 'Receipt number or RGD-… reference',
    'payments.depositId': 'Deposit id',
    'payments.status': 'Status',
    'payments.anyStatus': 'any',
    'payments.from': 'From',
    'payments.to': 'To',
    'payments.submit': 'Search',
    'payments.clear': 'Clear',
    'payments.empty': 'No payment matches.',
    'payments.shown': '{n} payment(s) shown.',
    'payments.moreExist': 'More follow.',
    'payments.next': 'Next page',
    'payments.first': 'First page',
    'payments.col.date': 'Date',
    'payments.col.phone': 'Phone',
    'payments.col.ref': 'Reference',
    'payments.col.amount': 'Amount',
    'payments.col.status': 'Status',
    'payments.col.receipt': 'Receipt',
    'payments.col.flag': 'Flag',

    'payment.title': 'Payment {id}',
    'payment.back': 'Back to the search',
    'payment.notFound': 'No payment has this id.',
    'payment.summary': 'Summary',
    'payment.amount': 'Amount',
    'payment.status': 'Status',
    'payment.subscriber': 'Subscriber',
    'payment.ref': 'Customer reference',
    'payment.province': 'Province',
    'payment.phone': 'Phone',
    'payment.receipt': 'Receipt',
    'payment.ownReference': '(our reference: REGIDESO’s answer was lost)',
    'payment.bills': 'Bills',
    'payment.wallet': 'Wallet',
    'payment.deposit': 'Deposit',
    'payment.refund': 'Refund',
    'payment.remaining': 'Still owed on the account',
    'payment.flag': 'Flag',
    'payment.flagResolved': 'Resolved on {at} by {by}: {note}',
    'payment.story': 'The payment’s story',
    'payment.by': 'by {by}',
    'payment.subscriberBy': 'the subscriber {phone}',
    'payment.resend': 'Resend the receipt SMS',
    'payment.resent': 'Receipt resent: a new SMS is queued.',
    'payment.noReceipt': 'This payment has no receipt to resend.',
    'sms.queued': '{kind} SMS written: “{body}”',
    'sms.send': '{kind} SMS handed to the gateway',
    'sms.delivery': 'delivery: {status}',
    'sms.deliveryUnknown': 'delivery: no report yet',
    'sms.status.queued': 'queued',
    'sms.status.sent': 'sent',
    'sms.status.failed': 'refused for its recipient',
    'sms.kind.receipt': 'Receipt',
    'sms.kind.notice': 'Notice',
    'sms.kind.reply': 'Reply',

    'recon.title': 'Daily reconciliation',
    'recon.intro': 'Every payment of the day (Kinshasa time) checked against REGIDESO (the receipt) and pawaPay (the deposit, the refund).',
    'recon.day': 'Day',
    'recon.show': 'Show',
    'recon.run': 'Run the reconciliation',
    'recon.running': 'Running… this page updates itself.',
    'recon.none': 'No reconciliation for this day.',
    'recon.failed': 'This reconciliation failed: run it again.',
    'recon.startedBy': 'Started by {by} on {at}; finished {end}.',
    'recon.totals': 'The day’s totals',
    'recon.ledger': 'In our ledger',
    'recon.matched': 'Matched',
    'recon.open': 'Still in progress',
    'recon.unchecked': 'Not checked',
    'recon.count': '{n} payment(s)',
    'recon.byProvider': 'By provider',
    'recon.col.provider': 'Provider',
    'recon.col.count': 'Payments',
    'recon.col.amount': 'Amount',
    'recon.col.matched': 'Matched',
    'recon.col.mismatched': 'Mismatched',
    'recon.mismatches': 'Mismatches ({n})',
    'recon.noMismatch': 'No mismatch.',
    'recon.col.payment': 'Payment',
    'recon.col.reason': 'Reason',
    'recon.col.receipt': 'Receipt',
    'recon.csv': 'Download the CSV',

    'funnel.title': 'Where sessions stop',
    'funnel.intro': 'Per screen of the menu: the sessions that reached it, and those that ended there, by who ended them.',
    'funnel.day': 'Day',
    'funnel.show': 'Show',
    'funnel.empty': 'No session ended that day.',
    'funnel.col.screen': 'Screen',
    'funnel.col.reached': 'Reached',
    'funnel.col.dropped': 'Stopped here without paying',
    'funnel.ending.paid': 'Payment recorded',
    'funnel.ending.subscriber_end': 'Ended by the subscriber’s choice (END, cancel)',
    'funnel.ending.network_incomplete': 'Network: Incomplete (hung up, timed out)',
    'funnel.ending.network_failed': 'Network: Failed',
    'funnel.ending.expired': 'Expired with no notice from the network',
    'funnel.ending.other': 'Other status',
  },
};

/**
 * Each flag reason (src/payments/steps/*, src/compose.ts, the reconciliation): what happened, in
 * an operator's words, and what to check where.
 * @type {Record<Lang, Record<string, { what: string; check: string }>>}
 */
const FLAGS = {
  fr: {
    landed_without_receipt: {
      what: 'L’argent est arrivé chez REGIDESO, mais sa réponse (et donc le numéro de quittance) s’est perdue. Le paiement est enregistré sous notre référence RGD-…, déjà envoyée à l’abonné par SMS.',
      check: 'Dans le système de REGIDESO, vérifiez que le montant figure sur le compte du client à la date du paiement; demandez-y le vrai numéro de quittance si l’abonné en a besoin.',
    },
    double_payment: {
      what: 'Le solde des factures a baissé de deux fois le montant : REGIDESO a enregistré ce paiement deux fois, alors que le porte-monnaie n’a été débité qu’une fois.',
      check: 'Avec REGIDESO, faites annuler un des deux enregistrements (ou accorder un avoir au client). Le fil ci-dessous montre les PayFact envoyés.',
    },
    partial: {
      what: 'Le solde des factures n’a baissé que d’une partie du montant payé.',
      check: 'Comparez le relevé du compte chez REGIDESO avec le montant encaissé; faites compléter l’enregistrement ou rembourser la différence.',
    },
    outcome_unknown: {
      what: 'Après 15 minutes, on ne sait toujours pas si REGIDESO a reçu ce paiement (pas de réponse). L’abonné a été prévenu de ne pas payer à nouveau; le produit continue de vérifier et ne paie jamais une seconde fois si tard.',
      check: 'Demandez à REGIDESO si le paiement figure sur le compte du client; le fil montre chaque lecture des factures. Si l’argent a été débité sans arriver, remboursez l’abonné.',
    },
    deposit_stuck: {
      what: 'Le débit du porte-monnaie (dépôt pawaPay) est ouvert depuis plus de 15 minutes sans statut final.',
      check: 'Dans le tableau de bord pawaPay, cherchez le dépôt par son identifiant (ci-dessous). S’il finit, le paiement reprend seul; sinon voyez avec pawaPay.',
    },
    refund_stuck: {
      what: 'Le remboursement au porte-monnaie est ouvert depuis plus de 15 minutes sans statut final.',
      check: 'Dans le tableau de bord pawaPay, cherchez le remboursement par son identifiant (ci-dessous) et suivez-le jusqu’au bout.',
    },
    refund_failed: {
      what: 'REGIDESO a refusé le paiement après le débit, et le remboursement au porte-monnaie a échoué : l’abonné n’a ni quittance ni son argent.',
      check: 'Remboursez l’abonné par un autre moyen (ou relancez le remboursement depuis pawaPay), puis notez ici comment.',
    },
    collected_amount_mismatch: {
      what: 'Le porte-monnaie a encaissé un autre montant que celui confirmé par l’abonné; le produit le rembourse au lieu de payer REGIDESO.',
      check: 'Vérifiez dans pawaPay le montant encaissé et que le remboursement est bien arrivé sur le porte-monnaie.',
    },
    account_busy: {
      what: 'L’argent est encaissé, mais un autre de nos paiements occupe le même compte client depuis longtemps : celui-ci attend son tour pour payer REGIDESO.',
      check: 'Cherchez l’autre paiement de la même référence client (page Paiements); quand il se termine, celui-ci repart seul.',
    },
    repaid_after_uncertain: {
      what: 'Un premier envoi à REGIDESO a eu une issue inconnue; les factures n’avaient pas bougé, donc le paiement a été renvoyé, et il a réussi.',
      check: 'Vérifiez chez REGIDESO que le compte n’a été crédité qu’une seule fois.',
    },
    sms_undelivered: {
      what: 'Un SMS de ce paiement (la quittance ou un avis) ne part pas : notre passerelle SMS le refuse depuis plus de 10 minutes.',
      check: 'Vérifiez le compte Africa’s Talking (crédit, clé, expéditeur); une fois réparé, renvoyez la quittance avec le bouton de la page du paiement.',
    },
    reconciliation_mismatch: {
      what: 'Le rapprochement quotidien a trouvé une différence entre notre registre et REGIDESO ou pawaPay pour ce paiement.',
      check: 'Ouvrez le rapprochement du jour du paiement : la ligne dit laquelle (quittance inconnue, montants différents, argent encaissé sans PayFact ni remboursement, remboursement non final).',
    },
  },
  en: {
    landed_without_receipt: {
      what: 'The money reached REGIDESO, but its answer (and so the receipt number) was lost. The payment is recorded under our own RGD-… reference, already sent to the subscriber by SMS.',
      check: 'In REGIDESO’s system, check that the amount is on the customer’s account on the payment’s date; ask them for the real receipt number if the subscriber needs it.',
    },
    double_payment: {
      what: 'The bills’ balance fell by twice the amount: REGIDESO recorded this payment twice, while the wallet was debited once.',
      check: 'With REGIDESO, have one of the two records cancelled (or a credit given to the customer). The story below shows each PayFact sent.',
    },
    partial: {
      what: 'The bills’ balance fell by only part of the amount paid.',
      check: 'Compare REGIDESO’s account statement with the amount collected; have the record completed or the difference refunded.',
    },
    outcome_unknown: {
      what: 'After 15 minutes it is still unknown whether REGIDESO received this payment (no answer). The subscriber was told not to pay again; the product keeps checking and never pays a second time this late.',
      check: 'Ask REGIDESO whether the payment is on the customer’s account; the story shows each reading of the bills. If the money was debited and never arrived, refund the subscriber.',
    },
    deposit_stuck: {
      what: 'The wallet debit (pawaPay deposit) has been open for more than 15 minutes with no final status.',
      check: 'In pawaPay’s dashboard, look the deposit up by its id (below). If it finishes, the payment carries on by itself; otherwise take it up with pawaPay.',
    },
    refund_stuck: {
      what: 'The refund to the wallet has been open for more than 15 minutes with no final status.',
      check: 'In pawaPay’s dashboard, look the refund up by its id (below) and follow it to the end.',
    },
    refund_failed: {
      what: 'REGIDESO refused the payment after the debit, and the refund to the wallet failed: the subscriber has neither a receipt nor their money.',
      check: 'Refund the subscriber another way (or retry the refund from pawaPay), then note here how.',
    },
    collected_amount_mismatch: {
      what: 'The wallet collected another amount than the one the subscriber confirmed; the product refunds it instead of paying REGIDESO.',
      check: 'Check the collected amount in pawaPay, and that the refund reached the wallet.',
    },
    account_busy: {
      what: 'The money is collected, but another of our payments has held the same customer account for a long time: this one waits its turn to pay REGIDESO.',
      check: 'Find the other payment of the same customer reference (Payments page); once it ends, this one carries on by itself.',
    },
    repaid_after_uncertain: {
      what: 'A first send to REGIDESO had an unknown outcome; the bills had not moved, so the payment was sent again, and it succeeded.',
      check: 'Check at REGIDESO that the account was credited only once.',
    },
    sms_undelivered: {
      what: 'An SMS of this payment (the receipt or a notice) does not go out: our SMS gateway has refused it for more than 10 minutes.',
      check: 'Check the Africa’s Talking account (credit, key, sender id); once fixed, resend the receipt with the button on the payment’s page.',
    },
    reconciliation_mismatch: {
      what: 'The daily reconciliation found a difference between our ledger and REGIDESO or pawaPay for this payment.',
      check: 'Open the reconciliation of the payment’s day: its line says which (unknown receipt, amounts differ, money collected with no PayFact and no refund, refund not final).',
    },
  },
};

/**
 * The reconciliation's mismatch kinds (src/reconciliation/check.ts), in words, with where to look.
 * An unknown kind shows its code and detail.
 * @type {Record<Lang, Record<string, string>>}
 */
const MISMATCHES = {
  fr: {
    unknown_receipt: 'REGIDESO ne connaît pas cette quittance : vérifiez avec REGIDESO (VerifyTransaction) avant tout nouveau paiement.',
    receipt_failed: 'REGIDESO connaît la quittance, mais comme un échec : à vérifier avec REGIDESO.',
    amount_differs: 'Les montants diffèrent entre notre registre et REGIDESO ou pawaPay.',
    no_regideso_receipt: 'L’argent est arrivé chez REGIDESO, mais nous n’avons que notre référence RGD : demandez la quittance à REGIDESO.',
    partial_payment: 'Une partie seulement du montant est arrivée chez REGIDESO.',
    collected_not_paid: 'Argent encaissé, mais ni PayFact ni remboursement : à régler (payer ou rembourser).',
    deposit_not_completed: 'Nous disons le paiement réussi, mais le dépôt n’est pas COMPLETED chez pawaPay.',
    deposit_not_final: 'Nous avons abandonné ce dépôt, mais pawaPay le traite encore.',
    refund_not_final: 'Le remboursement n’est pas final chez pawaPay.',
    refund_status_differs: 'Nous disons le remboursement échoué, mais pawaPay l’a fait.',
  },
  en: {
    unknown_receipt: 'REGIDESO does not know this receipt: check with REGIDESO (VerifyTransaction) before any new payment.',
    receipt_failed: 'REGIDESO knows the receipt, but as a failure: check with REGIDESO.',
    amount_differs: 'The amounts differ between our ledger and REGIDESO or pawaPay.',
    no_regideso_receipt: 'The money reached REGIDESO, but we hold only our RGD reference: ask REGIDESO for the receipt.',
    partial_payment: 'Only part of the amount reached REGIDESO.',
    collected_not_paid: 'Money collected, but no PayFact and no refund: settle it (pay or refund).',
    deposit_not_completed: 'We say the payment succeeded, but the deposit is not COMPLETED at pawaPay.',
    deposit_not_final: 'We gave this deposit up, but pawaPay is still processing it.',
    refund_not_final: 'The refund is not final at pawaPay.',
    refund_status_differs: 'We say the refund failed, but pawaPay completed it.',
  },
};

/** What each step of the audit trail means. @type {Record<Lang, Record<string, string>>} */
const EVENTS = {
  fr: {
    confirmed: 'Confirmé sur le téléphone',
    collection_started: 'Collecte lancée',
    deposit_initiated: 'Dépôt demandé au porte-monnaie (pawaPay)',
    deposit_initiate_unknown: 'Demande de dépôt sans réponse (renvoyée sous le même identifiant)',
    deposit_completed: 'Dépôt COMPLETED : argent encaissé',
    deposit_failed: 'Dépôt échoué',
    deposit_rejected: 'Dépôt refusé par pawaPay',
    deposit_not_found: 'Dépôt inconnu de pawaPay',
    deposit_status_unavailable: 'Statut du dépôt illisible pour le moment',
    deposit_stuck: 'Dépôt ouvert depuis trop longtemps',
    precheck_unavailable: 'REGIDESO injoignable avant l’envoi',
    account_busy: 'Compte occupé par un autre paiement',
    payfact_sent: 'PayFact envoyé à REGIDESO',
    payfact_withheld: 'PayFact retenu (trop tard pour l’envoyer sans risque)',
    payfact_uncertain: 'Réponse de PayFact incertaine',
    paid: 'PayFact accepté : quittance reçue',
    refused: 'Refusé',
    abandoned: 'Abandonné',
    reconcile_unavailable: 'Lecture des factures impossible pour le moment',
    reconciled_landed: 'Rapproché : le paiement est arrivé (quittance perdue)',
    reconciled_landed_twice: 'Rapproché : arrivé deux fois',
    reconciled_partial: 'Rapproché : arrivé en partie',
    reconciled_not_landed: 'Rapproché : pas arrivé',
    resolved_not_landed: 'Vérifié : pas arrivé',
    gave_up_uncertain: 'Issue inconnue après 15 minutes',
    refund_initiated: 'Remboursement demandé',
    refund_initiate_unknown: 'Demande de remboursement sans réponse',
    refund_completed: 'Remboursement COMPLETED',
    refund_failed: 'Remboursement échoué',
    refund_not_found: 'Remboursement inconnu de pawaPay',
    refund_status_unavailable: 'Statut du remboursement illisible pour le moment',
    refund_stuck: 'Remboursement ouvert depuis trop longtemps',
    collected_amount_mismatch: 'Montant encaissé différent du montant confirmé',
    flag_resolved: 'Signalement résolu',
    receipt_resent: 'Quittance renvoyée par un opérateur',
  },
  en: {
    confirmed: 'Confirmed on the phone',
    collection_started: 'Collection started',
    deposit_initiated: 'Deposit asked of the wallet (pawaPay)',
    deposit_initiate_unknown: 'Deposit request unanswered (sent again under the same id)',
    deposit_completed: 'Deposit COMPLETED: money collected',
    deposit_failed: 'Deposit failed',
    deposit_rejected: 'Deposit rejected by pawaPay',
    deposit_not_found: 'Deposit unknown to pawaPay',
    deposit_status_unavailable: 'Deposit status unreadable for now',
    deposit_stuck: 'Deposit open for too long',
    precheck_unavailable: 'REGIDESO unreachable before the send',
    account_busy: 'Account held by another payment',
    payfact_sent: 'PayFact sent to REGIDESO',
    payfact_withheld: 'PayFact withheld (too late to send safely)',
    payfact_uncertain: 'PayFact’s answer uncertain',
    paid: 'PayFact accepted: receipt received',
    refused: 'Refused',
    abandoned: 'Abandoned',
    reconcile_unavailable: 'Bills unreadable for now',
    reconciled_landed: 'Reconciled: the payment landed (receipt lost)',
    reconciled_landed_twice: 'Reconciled: landed twice',
    reconciled_partial: 'Reconciled: landed in part',
    reconciled_not_landed: 'Reconciled: did not land',
    resolved_not_landed: 'Checked: did not land',
    gave_up_uncertain: 'Outcome unknown after 15 minutes',
    refund_initiated: 'Refund asked',
    refund_initiate_unknown: 'Refund request unanswered',
    refund_completed: 'Refund COMPLETED',
    refund_failed: 'Refund failed',
    refund_not_found: 'Refund unknown to pawaPay',
    refund_status_unavailable: 'Refund status unreadable for now',
    refund_stuck: 'Refund open for too long',
    collected_amount_mismatch: 'Collected amount differs from the confirmed one',
    flag_resolved: 'Flag resolved',
    receipt_resent: 'Receipt resent by an operator',
  },
};

/** Payment statuses. @type {Record<Lang, Record<string, string>>} */
const STATUSES = {
  fr: {
    pending: 'en attente', collecting: 'débit en cours', collected: 'encaissé', submitted: 'envoyé à REGIDESO', uncertain: 'incertain', refunding: 'remboursement en cours',
    succeeded: 'réussi', reconciled: 'réussi (notre référence)', failed: 'échoué', refunded: 'remboursé', refund_failed: 'remboursement échoué', partial: 'partiel',
  },
  en: {
    pending: 'pending', collecting: 'collecting', collected: 'collected', submitted: 'sent to REGIDESO', uncertain: 'uncertain', refunding: 'refunding',
    succeeded: 'succeeded', reconciled: 'succeeded (our reference)', failed: 'failed', refunded: 'refunded', refund_failed: 'refund failed', partial: 'partial',
  },
};

export const STATUS_CODES = Object.keys(STATUSES.fr);

const STORAGE_KEY = 'regideso-console-lang';

/** @returns {Lang} */
export function currentLang() {
  const saved = localStorage.getItem(STORAGE_KEY);
  return saved === 'en' ? 'en' : 'fr';
}

/** @param {Lang} lang */
export function setLang(lang) {
  localStorage.setItem(STORAGE_KEY, lang);
  document.documentElement.lang = lang;
}

/**
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 */
export function t(key, vars = {}) {
  const text = TEXTS[currentLang()][key] ?? TEXTS.fr[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_m, name) => String(vars[name] ?? `{${name}}`));
}

/** @param {string} reason */
export function flagText(reason) {
  const found = FLAGS[currentLang()][reason.replace(/^flagged_/, '')];
  return found ?? { what: reason, check: '' };
}

/** @param {string} kind */
export function mismatchText(kind) {
  return MISMATCHES[currentLang()][kind];
}

/** @param {string} event */
export function eventText(event) {
  if (event.startsWith('flagged_')) return `${currentLang() === 'fr' ? 'Signalé : ' : 'Flagged: '}${flagText(event).what}`;
  return EVENTS[currentLang()][event] ?? event;
}

/** @param {string} status */
export function statusText(status) {
  return STATUSES[currentLang()][status] ?? status;
}
