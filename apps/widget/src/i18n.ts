/**
 * The widget's words in the languages of the visitors HummDesk's accounts serve (the demo
 * account's: en, fi, sv, de, fr, es). The visitor's browser chooses; English otherwise.
 * An inbox's own greeting is shown as its administrator wrote it.
 */
export interface Strings {
  openChat: string;
  closeChat: string;
  unread: (count: number) => string;
  greeting: string;
  prechatIntro: string;
  name: string;
  email: string;
  firstMessage: string;
  start: string;
  placeholder: string;
  send: string;
  attach: string;
  removeFile: (name: string) => string;
  you: string;
  typing: (name: string) => string;
  agent: string;
  resolved: string;
  messages: string;
  offline: string;
  rateLimited: string;
  unavailable: string;
  failed: string;
  tooLarge: string;
  tooMany: string;
  fileType: string;
  signIn: string;
  retry: string;
}

const en: Strings = {
  openChat: 'Open chat',
  closeChat: 'Close chat',
  unread: (count) => (count === 1 ? '1 unread message' : `${count} unread messages`),
  greeting: 'Hi there! How can we help you today?',
  prechatIntro: 'Tell us who you are, so we can get back to you.',
  name: 'Your name',
  email: 'Your e-mail',
  firstMessage: 'How can we help?',
  start: 'Start chat',
  placeholder: 'Write a message…',
  send: 'Send message',
  attach: 'Attach an image or PDF',
  removeFile: (name) => `Remove ${name}`,
  you: 'You',
  typing: (name) => `${name} is typing…`,
  agent: 'Support',
  resolved: 'Conversation resolved. Write again any time.',
  messages: 'Messages',
  offline: 'You are offline. Reconnecting…',
  rateLimited: 'You are sending messages too quickly. Please wait a moment.',
  unavailable: 'Chat is not available right now. Please try again later.',
  failed: 'Your message could not be sent. Please try again.',
  tooLarge: 'That file is too large.',
  tooMany: 'That is too many files for one message.',
  fileType: 'Only images and PDF files can be sent.',
  signIn: 'Please sign in to chat with us.',
  retry: 'Try again',
};

const fi: Strings = {
  openChat: 'Avaa chat',
  closeChat: 'Sulje chat',
  unread: (count) => (count === 1 ? '1 lukematon viesti' : `${count} lukematonta viestiä`),
  greeting: 'Hei! Miten voimme auttaa?',
  prechatIntro: 'Kerro kuka olet, niin voimme vastata sinulle.',
  name: 'Nimesi',
  email: 'Sähköpostiosoitteesi',
  firstMessage: 'Miten voimme auttaa?',
  start: 'Aloita keskustelu',
  placeholder: 'Kirjoita viesti…',
  send: 'Lähetä viesti',
  attach: 'Liitä kuva tai PDF',
  removeFile: (name) => `Poista ${name}`,
  you: 'Sinä',
  typing: (name) => `${name} kirjoittaa…`,
  agent: 'Asiakaspalvelu',
  resolved: 'Keskustelu on ratkaistu. Voit kirjoittaa uudelleen milloin vain.',
  messages: 'Viestit',
  offline: 'Ei yhteyttä. Yhdistetään uudelleen…',
  rateLimited: 'Lähetät viestejä liian nopeasti. Odota hetki.',
  unavailable: 'Chat ei ole juuri nyt käytettävissä. Yritä myöhemmin uudelleen.',
  failed: 'Viestiä ei voitu lähettää. Yritä uudelleen.',
  tooLarge: 'Tiedosto on liian suuri.',
  tooMany: 'Liian monta tiedostoa yhdessä viestissä.',
  fileType: 'Voit lähettää vain kuvia ja PDF-tiedostoja.',
  signIn: 'Kirjaudu sisään keskustellaksesi kanssamme.',
  retry: 'Yritä uudelleen',
};

const sv: Strings = {
  openChat: 'Öppna chatten',
  closeChat: 'Stäng chatten',
  unread: (count) => (count === 1 ? '1 oläst meddelande' : `${count} olästa meddelanden`),
  greeting: 'Hej! Hur kan vi hjälpa dig?',
  prechatIntro: 'Berätta vem du är, så kan vi svara dig.',
  name: 'Ditt namn',
  email: 'Din e-postadress',
  firstMessage: 'Hur kan vi hjälpa dig?',
  start: 'Starta chatten',
  placeholder: 'Skriv ett meddelande…',
  send: 'Skicka meddelande',
  attach: 'Bifoga en bild eller PDF',
  removeFile: (name) => `Ta bort ${name}`,
  you: 'Du',
  typing: (name) => `${name} skriver…`,
  agent: 'Kundtjänst',
  resolved: 'Konversationen är löst. Skriv igen när du vill.',
  messages: 'Meddelanden',
  offline: 'Ingen anslutning. Ansluter igen…',
  rateLimited: 'Du skickar meddelanden för snabbt. Vänta en stund.',
  unavailable: 'Chatten är inte tillgänglig just nu. Försök igen senare.',
  failed: 'Meddelandet kunde inte skickas. Försök igen.',
  tooLarge: 'Filen är för stor.',
  tooMany: 'För många filer i ett meddelande.',
  fileType: 'Endast bilder och PDF-filer kan skickas.',
  signIn: 'Logga in för att chatta med oss.',
  retry: 'Försök igen',
};

const de: Strings = {
  openChat: 'Chat öffnen',
  closeChat: 'Chat schließen',
  unread: (count) => (count === 1 ? '1 ungelesene Nachricht' : `${count} ungelesene Nachrichten`),
  greeting: 'Hallo! Wie können wir Ihnen helfen?',
  prechatIntro: 'Sagen Sie uns, wer Sie sind, damit wir Ihnen antworten können.',
  name: 'Ihr Name',
  email: 'Ihre E-Mail-Adresse',
  firstMessage: 'Wie können wir helfen?',
  start: 'Chat starten',
  placeholder: 'Nachricht schreiben…',
  send: 'Nachricht senden',
  attach: 'Bild oder PDF anhängen',
  removeFile: (name) => `${name} entfernen`,
  you: 'Sie',
  typing: (name) => `${name} schreibt…`,
  agent: 'Kundenservice',
  resolved: 'Gespräch gelöst. Schreiben Sie uns jederzeit wieder.',
  messages: 'Nachrichten',
  offline: 'Keine Verbindung. Verbinde erneut…',
  rateLimited: 'Sie senden Nachrichten zu schnell. Bitte warten Sie einen Moment.',
  unavailable: 'Der Chat ist gerade nicht verfügbar. Bitte versuchen Sie es später erneut.',
  failed: 'Ihre Nachricht konnte nicht gesendet werden. Bitte versuchen Sie es erneut.',
  tooLarge: 'Die Datei ist zu groß.',
  tooMany: 'Zu viele Dateien für eine Nachricht.',
  fileType: 'Es können nur Bilder und PDF-Dateien gesendet werden.',
  signIn: 'Bitte melden Sie sich an, um mit uns zu chatten.',
  retry: 'Erneut versuchen',
};

const fr: Strings = {
  openChat: 'Ouvrir le chat',
  closeChat: 'Fermer le chat',
  unread: (count) => (count === 1 ? '1 message non lu' : `${count} messages non lus`),
  greeting: 'Bonjour ! Comment pouvons-nous vous aider ?',
  prechatIntro: 'Dites-nous qui vous êtes pour que nous puissions vous répondre.',
  name: 'Votre nom',
  email: 'Votre adresse e-mail',
  firstMessage: 'Comment pouvons-nous vous aider ?',
  start: 'Démarrer la discussion',
  placeholder: 'Écrivez un message…',
  send: 'Envoyer le message',
  attach: 'Joindre une image ou un PDF',
  removeFile: (name) => `Retirer ${name}`,
  you: 'Vous',
  typing: (name) => `${name} est en train d’écrire…`,
  agent: 'Support',
  resolved: 'Conversation résolue. Écrivez-nous à tout moment.',
  messages: 'Messages',
  offline: 'Vous êtes hors ligne. Reconnexion…',
  rateLimited: 'Vous envoyez des messages trop vite. Veuillez patienter un instant.',
  unavailable: 'Le chat n’est pas disponible pour le moment. Veuillez réessayer plus tard.',
  failed: 'Votre message n’a pas pu être envoyé. Veuillez réessayer.',
  tooLarge: 'Ce fichier est trop volumineux.',
  tooMany: 'Trop de fichiers pour un seul message.',
  fileType: 'Seuls les images et les fichiers PDF peuvent être envoyés.',
  signIn: 'Veuillez vous connecter pour discuter avec nous.',
  retry: 'Réessayer',
};

const es: Strings = {
  openChat: 'Abrir el chat',
  closeChat: 'Cerrar el chat',
  unread: (count) => (count === 1 ? '1 mensaje sin leer' : `${count} mensajes sin leer`),
  greeting: '¡Hola! ¿En qué podemos ayudarte?',
  prechatIntro: 'Dinos quién eres para que podamos responderte.',
  name: 'Tu nombre',
  email: 'Tu correo electrónico',
  firstMessage: '¿En qué podemos ayudarte?',
  start: 'Iniciar chat',
  placeholder: 'Escribe un mensaje…',
  send: 'Enviar mensaje',
  attach: 'Adjuntar una imagen o un PDF',
  removeFile: (name) => `Quitar ${name}`,
  you: 'Tú',
  typing: (name) => `${name} está escribiendo…`,
  agent: 'Soporte',
  resolved: 'Conversación resuelta. Escríbenos cuando quieras.',
  messages: 'Mensajes',
  offline: 'Sin conexión. Reconectando…',
  rateLimited: 'Estás enviando mensajes demasiado rápido. Espera un momento.',
  unavailable: 'El chat no está disponible en este momento. Inténtalo más tarde.',
  failed: 'No se pudo enviar tu mensaje. Inténtalo de nuevo.',
  tooLarge: 'El archivo es demasiado grande.',
  tooMany: 'Demasiados archivos para un solo mensaje.',
  fileType: 'Solo se pueden enviar imágenes y archivos PDF.',
  signIn: 'Inicia sesión para chatear con nosotros.',
  retry: 'Reintentar',
};

const STRINGS = { en, fi, sv, de, fr, es };
export type Language = keyof typeof STRINGS;
const LANGUAGES = Object.keys(STRINGS) as Language[];

/** The first of the visitor's languages (`fi-FI`, `sv`, …) the widget speaks; English otherwise. */
export function pickLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const language = tag.toLowerCase().split(/[-_]/)[0] as Language;
    if (LANGUAGES.includes(language)) return language;
  }
  return 'en';
}

export const stringsFor = (language: Language): Strings => STRINGS[language];
