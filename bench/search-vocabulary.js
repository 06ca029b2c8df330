// Support words in the six languages the search stems, most used first: the seeder picks early
// words often and late ones rarely, so a search hits from a handful to about a third of the messages.
// Inflected forms are in on purpose (Finnish cases, German plurals): search must find them by stem.
export const VOCABULARY = {
  en: `order orders ordered delivery delivered package invoice invoices refund refunds payment paid account password login
    shipping shipped tracking number problem problems help please thanks hello question broken damaged missing wrong size
    return returned exchange discount coupon subscription cancel cancelled charge charged card receipt address email phone
    update app crash error screen battery warranty repair replacement urgent manager complaint waiting weeks yesterday
    tomorrow cable charger headphones keyboard monitor printer router firmware`,
  fi: `tilaus tilaukseni tilauksen toimitus toimituksen paketti paketin lasku laskun laskut hyvitys hyvityksen maksu maksun
    tili salasana salasanan kirjautuminen seuranta numero ongelma ongelmia apua kiitos kiitoksia hei kysymys rikki
    vaurioitunut puuttuu väärä koko palautus palautuksen vaihto alennus tilauksesta peruutus kortti kuitti osoite
    sähköposti puhelin päivitys sovellus virhe näyttö akku takuu korjaus korvaava kiireellinen valitus odotan viikkoa
    eilen huomenna kaapeli laturi kuulokkeet näppäimistö tulostin reititin`,
  sv: `beställning beställningen leverans leveransen paket paketet faktura fakturan återbetalning betalning konto lösenord
    inloggning spårning nummer problem hjälp tack hej fråga trasig skadad saknas fel storlek retur byte rabatt
    prenumeration avbryta kort kvitto adress telefon uppdatering appen fel skärmen batteri garanti reparation
    brådskande klagomål väntar veckor igår imorgon kabel laddare hörlurar tangentbord skrivare router`,
  de: `Bestellung Bestellungen bestellt Lieferung Lieferungen Paket Pakete Rechnung Rechnungen Rückerstattung Zahlung bezahlt
    Konto Passwort Anmeldung Versand Sendungsverfolgung Nummer Problem Probleme Hilfe bitte danke hallo Frage kaputt
    beschädigt fehlt falsche Größe Rückgabe Umtausch Rabatt Gutschein Abonnement kündigen Karte Quittung Adresse Telefon
    Aktualisierung App Absturz Fehler Bildschirm Akku Garantie Reparatur Ersatz dringend Beschwerde warte Wochen gestern
    morgen Kabel Ladegerät Kopfhörer Tastatur Drucker`,
  fr: `commande commandes commandé livraison livré colis facture factures remboursement paiement payé compte mot de passe
    connexion expédition suivi numéro problème problèmes aide merci bonjour question cassé endommagé manquant mauvaise
    taille retour échange réduction abonnement annuler carte reçu adresse téléphone mise à jour application erreur
    écran batterie garantie réparation remplacement urgent réclamation attends semaines hier demain câble chargeur
    casque clavier imprimante`,
  es: `pedido pedidos entrega entregado paquete factura facturas reembolso pago pagado cuenta contraseña acceso envío
    seguimiento número problema problemas ayuda gracias hola pregunta roto dañado falta equivocado talla devolución
    cambio descuento cupón suscripción cancelar tarjeta recibo dirección correo teléfono actualización aplicación
    error pantalla batería garantía reparación reemplazo urgente queja esperando semanas ayer mañana cable cargador
    auriculares teclado impresora`,
};

export const LANGUAGES = Object.keys(VOCABULARY);

/** The words of each language as SQL array literals, in LANGUAGES order. */
export function vocabularyArrays() {
  return LANGUAGES.map((language) => VOCABULARY[language].split(/\s+/).filter(Boolean));
}
