/**
 * Demo ticket templates for the "Northwind Gear" demo account.
 *
 * Agent replies are consistent with the policies in ./knowledge-base-articles.ts
 * (30-day returns, refunds within 5 business days of receiving a return,
 * duplicate charges refunded immediately and back in 1-3 business days,
 * free shipping over 79 EUR, Trails Basic / Plus 9.90 / Pro 19.90 EUR per month).
 *
 * Placeholders in content: {order} (e.g. 48213), {amount} (e.g. 89.90), {product}.
 */

export type TicketLanguage = 'en' | 'fi' | 'sv' | 'de' | 'fr' | 'es';

export type TicketCategory = 'billing' | 'technical' | 'account' | 'shipping' | 'refunds' | 'feature_request' | 'bug' | 'general';

export interface TicketTemplate {
  language: TicketLanguage;
  category: TicketCategory;
  priority: 'urgent' | 'high' | 'medium' | 'low' | 'none';
  sentiment: 'positive' | 'neutral' | 'negative' | 'frustrated' | 'angry';
  /** The customer's first message. Placeholders: {order} (e.g. 48213), {amount} (e.g. 89.90), {product} */
  content: string;
  /** Optional rest of the conversation, for seeding fuller demo threads. */
  followUps?: { from: 'agent' | 'customer' | 'note'; content: string }[];
}

export const productNames: string[] = [
  'Fjell 2 Tent',
  'Fjell 3 Tent',
  'Kaamos Down Jacket',
  'Tuisku Shell Jacket',
  'Saimaa Rain Jacket',
  'Revontuli Insulated Parka',
  'Routa Merino Base Layer',
  'Helle Softshell Pants',
  'Vaellus 45L Backpack',
  'Vaellus 65L Backpack',
  'Polku 22L Daypack',
  'Lapland -15 Sleeping Bag',
  'Tunturi Trekking Poles',
  'Kiito Bike Light Set',
  'Kiito Frame Bag',
  'Virta Insulated Bottle',
];

export const ticketTemplates: TicketTemplate[] = [
  // ---------------------------------------------------------------- English
  {
    language: 'en',
    category: 'billing',
    priority: 'high',
    sentiment: 'frustrated',
    content: 'I was charged twice for order #{order}',
    followUps: [
      {
        from: 'note',
        content: 'Checked Stripe: two captures of {amount} EUR, refunded the second one.',
      },
      {
        from: 'agent',
        content: `Hi, thanks for letting us know, and sorry about this! I checked order #{order} and you're right: the payment was captured twice. I've refunded the duplicate charge of {amount} EUR just now.

The money should be back on your card within 1–3 business days, depending on your bank. You don't need to contact your bank or open a dispute. You'll also get a confirmation email with the refund reference for your records.`,
      },
      {
        from: 'customer',
        content: 'ok thanks for the quick fix. will keep an eye on my statement',
      },
    ],
  },
  {
    language: 'en',
    category: 'billing',
    priority: 'medium',
    sentiment: 'neutral',
    content: `Hi, I just noticed a charge of 19.90 EUR from Northwind on my card. I thought I was on the Plus plan? Did I accidentally upgrade to Pro somehow?`,
  },
  {
    language: 'en',
    category: 'general',
    priority: 'high',
    sentiment: 'positive',
    content: `Hello,

I'm organising a company offsite in Lapland in February for our engineering team (Hartmann & Roos GmbH, Munich). We'd like to order 40 Kaamos Down Jackets, mixed sizes (roughly 22 men's M/L and 18 women's S/M), ideally with our logo embroidered on the chest.

Could you send us a quote with volume pricing? We would prefer to pay by invoice, and we need everything delivered to our Munich office by 20 January at the latest.

Kind regards,
Julia Hartmann
Office & Events Manager`,
    followUps: [
      {
        from: 'agent',
        content: `Hi Julia, thank you, that sounds like a great trip!

Happy to help. For 40 jackets our volume discount of 10% applies (20–49 items). Logo embroidery is 6.90 EUR per jacket and adds 10 business days to production, so to be safe we'd need your final order and sizes by 10 December. As a registered company you can pay by invoice with 14 days net after a quick credit check, and with a valid German VAT ID the invoice is issued without VAT (reverse charge).

Could you send us your logo as a vector file (SVG, PDF or AI), your VAT ID and the size breakdown? I'll have our business team prepare a formal quote within 1 business day.`,
      },
      {
        from: 'customer',
        content: `Sounds great. Our VAT ID is DE298765431, logo and size list attached. Please go ahead with the quote.`,
      },
      {
        from: 'note',
        content: `Forwarded to business@ as quote Q-2291. Stock check: 31 x M/L in black available now, remaining 9 arrive in week 48 – still fine for the deadline. VAT ID valid in VIES.`,
      },
    ],
  },
  {
    language: 'en',
    category: 'billing',
    priority: 'urgent',
    sentiment: 'angry',
    content: `I cancelled my Trails Pro subscription in AUGUST. You have charged me 19.90 every single month since. That's three charges I never agreed to. If this is not refunded by Friday I'm disputing every one of them with my bank and reporting you to the consumer authority. Unbelievable.`,
    followUps: [
      {
        from: 'note',
        content: `Customer cancelled an App Store subscription in August, but also has a separate web subscription (Stripe) that stayed active: 3 charges Sep–Nov. Approved full refund of 59.70 EUR as goodwill.`,
      },
      {
        from: 'agent',
        content: `I'm really sorry about this, and I understand why you're upset.

Here's what happened: in August you cancelled the subscription you had in the Apple App Store, but you also had a second Pro subscription bought on our website, and that one kept renewing. I've now cancelled the web subscription and refunded all three charges, 59.70 EUR in total. The refunds should show up within 1–3 business days.

There's no need to open a dispute with your bank; a chargeback would actually freeze the payments and delay your refunds. You'll get a confirmation email for each refund.`,
      },
      {
        from: 'customer',
        content: `Fine. Got the emails. Maybe warn people that it's possible to have two subscriptions at the same time.`,
      },
      {
        from: 'agent',
        content: `That's fair feedback, thank you. I've passed it on to our product team. Account > Subscription now shows who bills each subscription, but it should be much more obvious.`,
      },
    ],
  },
  {
    language: 'en',
    category: 'billing',
    priority: 'low',
    sentiment: 'neutral',
    content: `Could you re-issue the invoice for order #{order} with our company name (Lindqvist Design AB) and VAT number SE556677889901? Our accountant needs it. Thanks!`,
  },
  {
    language: 'en',
    category: 'refunds',
    priority: 'high',
    sentiment: 'frustrated',
    content: `I sent back the {product} over two weeks ago, tracking says you received it on the 3rd, and I still don't have my refund. {amount} EUR is not a small amount for me. What is going on??`,
    followUps: [
      {
        from: 'agent',
        content: `Hi, I'm sorry for the wait, you're right to chase us. Your return did arrive at our warehouse on the 3rd, but it stayed in inspection longer than our 5-business-day target. That's on us.

I've now issued the refund of {amount} EUR to your original payment method. It should appear within 1–3 business days, and you'll get a confirmation email shortly.`,
      },
      {
        from: 'customer',
        content: 'Refund showed up today. Thanks.',
      },
    ],
  },
  {
    language: 'en',
    category: 'refunds',
    priority: 'low',
    sentiment: 'neutral',
    content: `hi, can i still return something i bought in the black friday sale? it's the {product}, arrived 10 days ago, never used`,
  },
  {
    language: 'en',
    category: 'refunds',
    priority: 'medium',
    sentiment: 'negative',
    content: `My Trails Plus subscription renewed for a whole year (89 EUR) yesterday. I haven't opened the app since last summer and honestly don't remember getting any reminder. Can I get this refunded please?`,
    followUps: [
      {
        from: 'agent',
        content: `Hi, thanks for getting in touch. Our reminder went out 7 days before the renewal, so it may have ended up in your spam folder.

Since you contacted us within 14 days of the renewal and haven't used any Plus features since, I've refunded the full 89 EUR and switched your account to the free Basic plan. Your saved routes are all still there. The refund should be on your card within 1–3 business days.`,
      },
      {
        from: 'customer',
        content: 'Thank you, that was a lot easier than I expected!',
      },
    ],
  },
  {
    language: 'en',
    category: 'shipping',
    priority: 'high',
    sentiment: 'frustrated',
    content: `Order #{order}: tracking hasn't moved in 6 days. It just says "In transit" at some DHL hub in Leipzig. I need the tent for a trip NEXT WEEKEND. Can you do something?`,
    followUps: [
      {
        from: 'agent',
        content: `Hi, sorry about this, that's not the experience we want you to have before a trip.

As the parcel hasn't moved for more than 5 business days, I've opened an investigation with DHL. That can take up to 10 business days, so you don't have to wait for it: I'm sending you a replacement today with DHL Express at no cost, which should reach you in 1–3 business days. You'll get the new tracking number by email.

If the original parcel turns up after all, you can simply refuse it and it will come back to us.`,
      },
      {
        from: 'customer',
        content: 'Yes please!! Thank you so much',
      },
      {
        from: 'note',
        content: 'Replacement order created with DHL Express, shipping cost waived. DHL investigation case opened for the original parcel.',
      },
    ],
  },
  {
    language: 'en',
    category: 'shipping',
    priority: 'low',
    sentiment: 'neutral',
    content: `Do you ship to Norway? I live in Tromsø and can't find it in the country list at checkout.`,
  },
  {
    language: 'en',
    category: 'shipping',
    priority: 'high',
    sentiment: 'negative',
    content: `The Fjell 2 Tent from order #{order} arrived today and the box was completely crushed. One of the poles is snapped in half and there's a tear in the flysheet. Pretty disappointing for a tent at this price. Photos attached.`,
    followUps: [
      {
        from: 'agent',
        content: `Hi, I'm so sorry, that's definitely not how your tent should arrive. Thanks for the photos, they're all we need.

You can choose between a free replacement, which we can ship today, or a full refund including shipping. Either way I'll email you a prepaid return label for the damaged tent; returns of damaged items are always free. Which would you prefer?`,
      },
      {
        from: 'customer',
        content: 'Replacement please. Thanks for sorting it out so quickly.',
      },
    ],
  },
  {
    language: 'en',
    category: 'shipping',
    priority: 'medium',
    sentiment: 'negative',
    content: `Ordered a Routa Merino Base Layer in size M and got XL instead. Order #{order}. Can you send the right one? Need it before my trip on the 14th.`,
  },
  {
    language: 'en',
    category: 'shipping',
    priority: 'medium',
    sentiment: 'neutral',
    content: `Hi! I just realised I used my old address for order #{order}. Could you change it to Mannerheimintie 12 B 24, 00100 Helsinki? I placed the order about half an hour ago.`,
  },
  {
    language: 'en',
    category: 'account',
    priority: 'high',
    sentiment: 'frustrated',
    content: `I've tried to reset my password like 5 times and the email never arrives. Checked spam. I need to get into my account to download my offline maps before I leave tomorrow morning!`,
    followUps: [
      {
        from: 'agent',
        content: `Hi, let's get you sorted before your trip! I checked your account: it was created with "Sign in with Apple", so it doesn't have a Northwind password at all, which is why no reset email is sent.

Please open the Trails app, tap Sign in and choose "Continue with Apple". That will get you straight in, and your offline maps can be downloaded as usual.`,
      },
      {
        from: 'customer',
        content: 'OMG that was it. I completely forgot I used Apple. Sorry and thanks!',
      },
    ],
  },
  {
    language: 'en',
    category: 'account',
    priority: 'urgent',
    sentiment: 'frustrated',
    content: `I lost my phone hiking yesterday and the authenticator app was on it. I can't log in at all and I don't have the backup codes. Please help, I have an open order and need to change the delivery address before it ships.`,
    followUps: [
      {
        from: 'agent',
        content: `Hi, sorry to hear about your phone! For security reasons we have to verify your identity before we can reset two-factor authentication. Could you reply with:

1. The number of your open order
2. The last four digits of the card you paid with

I've also sent a verification link to your account email; please click it. As you're writing from your account email address, I've already put your order on hold so it won't ship to the old address in the meantime.`,
      },
      {
        from: 'customer',
        content: 'Order is #{order}, card ends in 4417. Clicked the link.',
      },
      {
        from: 'note',
        content:
          'Identity verified (order number + card last 4 + email link). 2FA reset; customer must re-enrol at next sign-in. Order released from hold after address change.',
      },
      {
        from: 'agent',
        content: `Thanks, all verified. Two-factor authentication has been reset, so you can sign in with just your password now and set up 2FA again on your new phone. Your order is released and will ship to your new address. Please save the new backup codes somewhere outside your phone this time!`,
      },
    ],
  },
  {
    language: 'en',
    category: 'account',
    priority: 'medium',
    sentiment: 'neutral',
    content: `Please delete my account and all personal data you hold about me, in accordance with Article 17 GDPR. Please confirm in writing once this has been completed.`,
    followUps: [
      {
        from: 'agent',
        content: `Hello, we've received your request and started the deletion of your account. It is deactivated now, and after a 14-day grace period all your personal data is permanently deleted; the whole process is completed within 30 days. You'll receive a written confirmation by email once it's done.

Please note that Finnish accounting law requires us to keep order and invoice records for 6 years; these are stored separately and never used for marketing. If you'd like a copy of your data first, you can download it under Account > Privacy > Download my data during the grace period.`,
      },
      {
        from: 'customer',
        content: 'Understood. No export needed, please proceed.',
      },
      {
        from: 'note',
        content: 'Deletion scheduled, grace period ends in 14 days. Confirmation email is sent automatically; close ticket after that.',
      },
    ],
  },
  {
    language: 'en',
    category: 'account',
    priority: 'low',
    sentiment: 'neutral',
    content: `how do I change the email on my account? moving from my work address to my personal one`,
  },
  {
    language: 'en',
    category: 'technical',
    priority: 'medium',
    sentiment: 'negative',
    content: `Trails keeps showing error E-SYNC-401 on my iPad. My phone syncs fine. I've already restarted the iPad twice.`,
    followUps: [
      {
        from: 'agent',
        content: `Hi, E-SYNC-401 means the sign-in on that device has expired. This usually happens after a password change, since that signs you out on all other devices.

On the iPad, go to Settings > Account > Sign out and then sign in again. Anything that hasn't synced yet stays on the iPad and will sync once you're signed in. Please don't uninstall the app, as that would delete unsynced recordings.`,
      },
      {
        from: 'customer',
        content: 'Yeah I changed my password last week. Logged out and in again and it works now, thanks.',
      },
    ],
  },
  {
    language: 'en',
    category: 'technical',
    priority: 'urgent',
    sentiment: 'angry',
    content: `The app has been down for hours. E-SYNC-503 on every device, can't load my routes, can't sync anything. I'm paying 19.90 a month for Pro and I'm literally standing at a trailhead right now. What is going on??`,
    followUps: [
      {
        from: 'note',
        content: 'Incident INC-2291 open: sync API degraded since 06:40 EET, engineering on it. Status page updated at 09:15.',
      },
      {
        from: 'agent',
        content: `I'm really sorry, this is a problem on our side and our engineers are working on it right now. You can follow updates on status.northwindgear.com.

Your data is safe on your device. Routes and offline maps you've already downloaded keep working without sync, and the app retries automatically every 5 minutes, so you don't need to do anything. Please don't reinstall the app, as that would delete anything that hasn't synced yet.`,
      },
      {
        from: 'customer',
        content: 'Works again now. Would have been nice to know before I drove 2 hours.',
      },
      {
        from: 'agent',
        content: `Completely fair, and I'm sorry it ruined your morning. I've added one free month of Pro to your account as an apology; it's applied automatically to your next renewal.`,
      },
    ],
  },
  {
    language: 'en',
    category: 'technical',
    priority: 'medium',
    sentiment: 'neutral',
    content: `Offline maps won't download on my Android phone (Pixel 8). It gets to around 40% and then just stops. There's plenty of storage left. I'm on Plus.`,
  },
  {
    language: 'en',
    category: 'technical',
    priority: 'low',
    sentiment: 'neutral',
    content: `How do I get a route from Trails onto my Garmin watch? Is there a direct connection or do I have to export something?`,
  },
  {
    language: 'en',
    category: 'bug',
    priority: 'high',
    sentiment: 'negative',
    content: `Since the last update the app crashes every time I open a saved route. iPhone 15, iOS 18.1. It just closes instantly. Pretty annoying since I use it every day.`,
    followUps: [
      {
        from: 'agent',
        content: `Hi, thanks for reporting this and sorry for the trouble. Could you tell me which app version you have (Settings > About) and send us diagnostics via Settings > Help > Send diagnostics? You'll get a reference code starting with DX-.`,
      },
      {
        from: 'customer',
        content: 'Version 5.4.0. Sent diagnostics, code is DX-58K2Q',
      },
      {
        from: 'note',
        content: 'Matches BUG-1194: crash in 5.4.0 when opening routes that have photos attached. Fix in 5.4.1, currently in App Store review.',
      },
      {
        from: 'agent',
        content: `Thanks, that helped a lot. Our developers confirmed a bug in 5.4.0 that affects saved routes with photos attached. The fix is in version 5.4.1, which is waiting for App Store review and should be out within 2 days.

Until then, a workaround: open the route from the map (tap the route line) instead of from the Routes list. I'll let you know as soon as the update is available.`,
      },
    ],
  },
  {
    language: 'en',
    category: 'bug',
    priority: 'low',
    sentiment: 'neutral',
    content: `Small thing: the elevation profile shows feet even though units are set to metric in settings. Everything else is in km and m.`,
  },
  {
    language: 'en',
    category: 'bug',
    priority: 'high',
    sentiment: 'frustrated',
    content: `Been trying to check out for 20 minutes, clicking "Pay now" does nothing at all. Tried Chrome and Firefox. Am I being charged every time I click?? Please check.`,
  },
  {
    language: 'en',
    category: 'feature_request',
    priority: 'low',
    sentiment: 'positive',
    content: `Love the app! Any chance of a dark mode? Checking the route in the tent at night is like staring into the sun 😅`,
  },
  {
    language: 'en',
    category: 'feature_request',
    priority: 'low',
    sentiment: 'neutral',
    content: `Is an Apple Watch app planned? I'd upgrade to Pro if I could navigate from my wrist.`,
  },
  {
    language: 'en',
    category: 'feature_request',
    priority: 'none',
    sentiment: 'positive',
    content: `Suggestion: a family plan for Trails. There are four of us who all hike, and paying for four separate Plus subscriptions doesn't make much sense. Would happily pay for something like that.`,
  },
  {
    language: 'en',
    category: 'general',
    priority: 'none',
    sentiment: 'positive',
    content: `Just wanted to say the Fjell 2 Tent held up amazingly on a 9-day trip in Sarek, including one night with proper storm winds. Dry and quiet inside. Great product, thank you!`,
  },
  {
    language: 'en',
    category: 'general',
    priority: 'low',
    sentiment: 'neutral',
    content: `Is the Lapland -15 Sleeping Bag actually comfortable at -15°C, or is that the extreme rating? Planning a trip to Saariselkä in February and trying to decide if I need something warmer.`,
  },
  {
    language: 'en',
    category: 'refunds',
    priority: 'high',
    sentiment: 'angry',
    content: `This is the THIRD time I'm writing about order #{order}. I returned it a month ago, no refund, no reply to my emails. If I don't hear back today I'm leaving a 1-star review on Trustpilot and telling everyone in my hiking club to stay away from you.`,
  },
  {
    language: 'en',
    category: 'general',
    priority: 'medium',
    sentiment: 'negative',
    content: `The main zip on my Vaellus 45L Backpack broke after about 8 months of normal use. Is that covered by the warranty? Bought it last spring, order #{order}.`,
  },
  {
    language: 'en',
    category: 'billing',
    priority: 'high',
    sentiment: 'frustrated',
    content: `My card payment failed at checkout but the money was still taken from my account ({amount} EUR). And there's no order in my account. So where's my money??`,
    followUps: [
      {
        from: 'agent',
        content: `Hi, I understand the worry! I checked and no payment was actually captured: what you see is a temporary authorisation hold that your bank placed when you tried to pay. Because the payment didn't go through, we never collect it, and your bank releases the hold automatically, normally within 7 days.

You don't need to do anything. If you'd still like the items, you're welcome to place the order again.`,
      },
      {
        from: 'customer',
        content: `ok, a bit weird but fine. I'll try again with PayPal.`,
      },
    ],
  },
  {
    language: 'en',
    category: 'shipping',
    priority: 'medium',
    sentiment: 'neutral',
    content: `Please cancel order #{order}, I placed it 20 min ago by mistake (wrong colour).`,
  },
  {
    language: 'en',
    category: 'billing',
    priority: 'low',
    sentiment: 'neutral',
    content: `What's the actual difference between Plus and Pro? Is it worth upgrading just for the weather overlay?`,
  },

  // ---------------------------------------------------------------- Finnish
  {
    language: 'fi',
    category: 'billing',
    priority: 'high',
    sentiment: 'frustrated',
    content: `Hei, minulta on veloitettu tilauksesta #{order} kaksi kertaa {amount} €. Tein vain yhden tilauksen. Palauttakaa toinen veloitus heti, kiitos.`,
    followUps: [
      {
        from: 'note',
        content: 'Checked Stripe: two captures of {amount} EUR (retry after checkout timeout), refunded the second one.',
      },
      {
        from: 'agent',
        content: `Hei, ja pahoittelut tästä! Tarkistin tilauksen #{order}, ja maksu oli tosiaan veloitettu kahteen kertaan. Hyvitin ylimääräisen {amount} €:n veloituksen juuri.

Rahojen pitäisi näkyä tililläsi 1–3 pankkipäivän kuluessa. Sinun ei tarvitse olla yhteydessä pankkiin, ja saat hyvityksestä vielä vahvistuksen sähköpostiisi.`,
      },
      {
        from: 'customer',
        content: 'Kiitos nopeasta hoidosta!',
      },
    ],
  },
  {
    language: 'fi',
    category: 'shipping',
    priority: 'medium',
    sentiment: 'negative',
    content: `moi, missä mun paketti on? tilasin viime tiistaina ja seurannassa lukee vaan et "lähetystiedot vastaanotettu". tilausnumero {order}`,
  },
  {
    language: 'fi',
    category: 'technical',
    priority: 'medium',
    sentiment: 'negative',
    content: `Trails ei synkronoi puhelimen ja tabletin välillä. Tabletilla tulee virhe E-SYNC-403. Mulla on Plus-tilaus, joten synkronoinnin pitäisi kai toimia?`,
    followUps: [
      {
        from: 'agent',
        content: `Hei! Virhe E-SYNC-403 tarkoittaa tässä tapauksessa, että tilisi laiteraja on täynnä: Plus-tilauksessa synkronointi toimii enintään kolmella laitteella. Tililläsi on tällä hetkellä kolme laitetta, joista yksi on viimeksi synkronoinut viime keväänä.

Voit poistaa vanhan laitteen sovelluksessa kohdasta Asetukset > Laitteet, minkä jälkeen tabletti alkaa synkronoida normaalisti.`,
      },
      {
        from: 'customer',
        content: 'Ahaa, siellä oli vielä vanha puhelin. Poistin sen ja nyt toimii 👍',
      },
    ],
  },
  {
    language: 'fi',
    category: 'refunds',
    priority: 'high',
    sentiment: 'frustrated',
    content: `Palautin Kaamos-untuvatakin kolme viikkoa sitten, ja Postin seurannan mukaan paketti on toimitettu teille jo kaksi viikkoa sitten. Rahoja ei ole vieläkään tullut. Milloin saan hyvityksen? Tilaus {order}.`,
  },
  {
    language: 'fi',
    category: 'account',
    priority: 'medium',
    sentiment: 'neutral',
    content: `En pääse kirjautumaan. Salasanan palautuslinkki sanoo että linkki on vanhentunut, vaikka avasin sen heti kun sähköposti tuli.`,
  },
  {
    language: 'fi',
    category: 'feature_request',
    priority: 'low',
    sentiment: 'positive',
    content: `Tosi hyvä sovellus! Olisi kiva jos talvella kartalla näkyisi myös hiihtoladut ja niiden kunnostustiedot, esim. Ylläksellä ja Levillä.`,
  },
  {
    language: 'fi',
    category: 'general',
    priority: 'medium',
    sentiment: 'positive',
    content: `Hei!

Olemme tilaamassa 25 työntekijällemme Tuisku-kuoritakit syksyn virkistyspäivää varten. Saako isommasta tilauksesta alennusta, ja voiko maksaa laskulla? Logo rintaan olisi myös plussaa.

Ystävällisin terveisin
Sanna Heikkilä
Rakennus Koivisto Oy`,
  },
  {
    language: 'fi',
    category: 'bug',
    priority: 'high',
    sentiment: 'negative',
    content: `Sovellus kaatuu aina kun yritän tallentaa reitin. Tänään meni koko 18 km lenkin tallennus hukkaan 😡 Android, Samsung S23, uusin versio.`,
  },

  // ---------------------------------------------------------------- Swedish
  {
    language: 'sv',
    category: 'shipping',
    priority: 'high',
    sentiment: 'frustrated',
    content: `Hej! Min beställning #{order} skulle ha kommit i måndags men har fortfarande inte dykt upp. Spårningen hos PostNord har stått still sedan förra veckan. Vad händer?`,
    followUps: [
      {
        from: 'agent',
        content: `Hej och förlåt för krånglet! Jag har kollat spårningen: paketet har legat på PostNords terminal i Malmö utan någon rörelse i över 5 arbetsdagar. Vi har därför öppnat en utredning hos PostNord.

Så att du inte behöver vänta skickar vi en ny leverans med express redan idag, utan kostnad för dig. Du får det nya spårningsnumret via mejl. Om det första paketet ändå skulle dyka upp kan du bara låta bli att hämta ut det.`,
      },
      {
        from: 'customer',
        content: 'Tack, det uppskattas verkligen!',
      },
    ],
  },
  {
    language: 'sv',
    category: 'billing',
    priority: 'high',
    sentiment: 'angry',
    content: `Jag sa upp mitt Pro-abonnemang för en månad sedan och ni har ÄNDÅ dragit 19,90 € igen. Jag vill ha pengarna tillbaka omedelbart, annars bestrider jag dragningen hos banken.`,
    followUps: [
      {
        from: 'agent',
        content: `Hej, jag förstår att det är irriterande och jag ska förklara vad som har hänt. Ditt Pro-abonnemang är köpt via Google Play, och att säga upp i appens kontoinställningar hos oss avslutar tyvärr inte ett abonnemang som Google fakturerar.

Du säger upp det i Google Play Butik > Profil > Betalningar och prenumerationer > Prenumerationer > Northwind Trails > Säg upp. Eftersom det är Google som har dragit pengarna kan bara Google göra en återbetalning: gå till Google Play > Orderhistorik och välj "Begär återbetalning". Hör gärna av dig om du behöver hjälp med det!`,
      },
      {
        from: 'customer',
        content: 'Seriöst? Okej, jag fixar det via Google då.',
      },
    ],
  },
  {
    language: 'sv',
    category: 'account',
    priority: 'high',
    sentiment: 'neutral',
    content: `Hej, jag har bytt telefon och kommer inte åt min autentiseringsapp längre. Jag har backupkoderna kvar men hittar inte var jag ska skriva in dem?`,
  },
  {
    language: 'sv',
    category: 'refunds',
    priority: 'low',
    sentiment: 'positive',
    content: `Hej! Ryggsäcken Vaellus 65L var tyvärr lite för stor för mig. Kan jag byta den mot 45L-modellen? Den är oanvänd och lapparna sitter kvar. Tack på förhand!`,
  },
  {
    language: 'sv',
    category: 'technical',
    priority: 'medium',
    sentiment: 'negative',
    content: `Offlinekartorna försvinner ur appen efter några dagar och jag måste ladda ner dem igen. Jag har Plus. Ganska irriterande när man står på fjället utan täckning...`,
  },
  {
    language: 'sv',
    category: 'feature_request',
    priority: 'low',
    sentiment: 'positive',
    content: `Skulle ni kunna lägga till Lantmäteriets terrängkarta som kartlager? Den är mycket bättre för de svenska fjällen än den nuvarande.`,
  },
  {
    language: 'sv',
    category: 'bug',
    priority: 'low',
    sentiment: 'neutral',
    content: `Höjdprofilen visar konstiga toppar på 2000 m på min cykelrutt i Skåne, där det som högst är runt 200 m. Verkar vara en bugg?`,
    followUps: [
      {
        from: 'agent',
        content: `Hej och tack för att du hör av dig! Det låter definitivt fel. Kan du skicka diagnostik från appen via Inställningar > Hjälp > Skicka diagnostik? Du får då en referenskod som börjar med DX-. Berätta gärna också vilken telefonmodell du har.`,
      },
      {
        from: 'customer',
        content: 'Skickat, koden är DX-7PL3M. Det är en OnePlus 12.',
      },
      {
        from: 'note',
        content: 'Known issue with barometer altitude spikes on some Android devices, linked to BUG-1182. Customer to be notified when the fix ships.',
      },
    ],
  },

  // ---------------------------------------------------------------- German
  {
    language: 'de',
    category: 'billing',
    priority: 'urgent',
    sentiment: 'angry',
    content: `Sehr geehrte Damen und Herren,

mir wurde für die Bestellung #{order} der Betrag von {amount} € ZWEIMAL abgebucht. Ich erwarte die umgehende Rückerstattung. Sollte das Geld nicht bis Ende der Woche auf meinem Konto sein, werde ich die Zahlung über meine Bank zurückbuchen lassen.

Mit freundlichen Grüßen`,
    followUps: [
      {
        from: 'note',
        content: 'Stripe shows two captures of {amount} EUR (retry after checkout timeout). Refunded the second one.',
      },
      {
        from: 'agent',
        content: `Guten Tag,

vielen Dank für Ihre Nachricht und entschuldigen Sie bitte den Ärger. Sie haben recht: Aufgrund eines technischen Fehlers beim Bezahlvorgang wurde der Betrag doppelt eingezogen. Ich habe die doppelte Abbuchung über {amount} € soeben erstattet.

Das Geld sollte innerhalb von 1–3 Werktagen wieder auf Ihrem Konto sein. Sie müssen sich nicht an Ihre Bank wenden; eine Rückbuchung würde die Erstattung sogar eher verzögern. Eine Bestätigung mit der Erstattungsreferenz erhalten Sie per E-Mail.

Mit freundlichen Grüßen
Ihr Northwind-Kundenservice`,
      },
      {
        from: 'customer',
        content: 'Danke, die Bestätigung ist angekommen.',
      },
    ],
  },
  {
    language: 'de',
    category: 'shipping',
    priority: 'high',
    sentiment: 'negative',
    content: `Hallo, das Fjell 3 Zelt ist heute angekommen, aber der Karton war total eingedrückt und eine Stange ist gebrochen. Fotos hänge ich an. Wie geht es jetzt weiter? Bestellnummer {order}.`,
    followUps: [
      {
        from: 'agent',
        content: `Hallo, das tut mir wirklich leid, so sollte Ihr Zelt natürlich nicht ankommen. Danke für die Fotos, mehr brauchen wir nicht.

Wir schicken Ihnen gern kostenlos ein Ersatzzelt, alternativ erstatten wir den vollen Betrag inklusive Versand. In beiden Fällen bekommen Sie ein vorfrankiertes Rücksendeetikett für das beschädigte Zelt; die Rücksendung ist für Sie kostenlos. Was ist Ihnen lieber?`,
      },
      {
        from: 'customer',
        content: 'Ersatz wäre super, danke für die schnelle Hilfe!',
      },
    ],
  },
  {
    language: 'de',
    category: 'account',
    priority: 'medium',
    sentiment: 'neutral',
    content: `Ich bitte gemäß Art. 15 DSGVO um Auskunft über alle zu meiner Person gespeicherten Daten. Anschließend bitte ich um die Löschung meines Kundenkontos.`,
  },
  {
    language: 'de',
    category: 'refunds',
    priority: 'medium',
    sentiment: 'neutral',
    content: `Hallo, ich habe meine Rücksendung (Bestellung {order}) vor 4 Tagen abgegeben, laut DHL ist sie gestern bei Ihnen angekommen. Wann kann ich mit der Erstattung rechnen? Und warum werden mir 6,90 € abgezogen?`,
  },
  {
    language: 'de',
    category: 'technical',
    priority: 'urgent',
    sentiment: 'frustrated',
    content: `Die App geht seit heute Morgen überhaupt nicht mehr, nur Fehler E-SYNC-503. Wir sind mitten auf einer Mehrtagestour in den Alpen und ich komme nicht an unsere geplante Route für morgen. Bitte dringend!!!`,
  },
  {
    language: 'de',
    category: 'billing',
    priority: 'low',
    sentiment: 'neutral',
    content: `Guten Tag, für unsere Buchhaltung benötigen wir eine Rechnung mit ausgewiesener MwSt. und unserer USt-IdNr. (DE312456789) für die Bestellung {order}. Ist das möglich?

Vielen Dank
Katrin Vogel
Vogel Outdoor Events GmbH`,
  },
  {
    language: 'de',
    category: 'feature_request',
    priority: 'low',
    sentiment: 'neutral',
    content: `Wäre es möglich, Touren direkt aus Komoot zu importieren? Der Umweg über GPX-Export und -Import ist jedes Mal etwas umständlich.`,
  },
  {
    language: 'de',
    category: 'general',
    priority: 'medium',
    sentiment: 'negative',
    content: `Der Reißverschluss an meiner Tuisku-Jacke ist nach 10 Monaten kaputtgegangen, bei ganz normaler Nutzung. Fällt das unter die Garantie? Ich finde die Bestellnummer leider nicht mehr, habe sie aber mit meinem Konto bestellt.`,
  },

  // ---------------------------------------------------------------- French
  {
    language: 'fr',
    category: 'refunds',
    priority: 'high',
    sentiment: 'frustrated',
    content: `Bonjour, j'ai renvoyé ma commande n°{order} il y a plus de trois semaines et je n'ai toujours pas été remboursée. Le suivi indique que le colis vous a été livré le 4. C'est inadmissible, j'attends une réponse rapide.`,
    followUps: [
      {
        from: 'agent',
        content: `Bonjour, je suis vraiment désolée pour ce délai. Votre retour a bien été reçu le 4 dans notre entrepôt, mais il est resté en contrôle plus longtemps que nos 5 jours ouvrés habituels. C'est une erreur de notre part.

Je viens de lancer le remboursement de {amount} €, moins les frais de retour de 6,90 €, sur votre moyen de paiement d'origine. Il devrait apparaître sous 1 à 3 jours ouvrés et vous recevrez une confirmation par e-mail.`,
      },
      {
        from: 'customer',
        content: `Merci, c'est bien reçu.`,
      },
    ],
  },
  {
    language: 'fr',
    category: 'shipping',
    priority: 'medium',
    sentiment: 'negative',
    content: `Mon colis est bloqué depuis 5 jours sur "en cours d'acheminement". Commande {order}. Vous pouvez vérifier svp ?`,
  },
  {
    language: 'fr',
    category: 'billing',
    priority: 'low',
    sentiment: 'neutral',
    content: `Bonjour, pourriez-vous m'envoyer une facture avec la TVA pour mon abonnement Trails Pro ? J'en ai besoin pour ma note de frais. Merci d'avance.`,
  },
  {
    language: 'fr',
    category: 'account',
    priority: 'medium',
    sentiment: 'frustrated',
    content: `Le lien pour réinitialiser mon mot de passe ne marche pas, ça me dit "lien expiré" alors que je viens de le recevoir. J'ai essayé 3 fois, toujours pareil.`,
  },
  {
    language: 'fr',
    category: 'bug',
    priority: 'high',
    sentiment: 'negative',
    content: `L'appli plante dès que je lance l'enregistrement d'une sortie. Android 14, Xiaomi Redmi Note 13. J'ai déjà désinstallé et réinstallé, ça ne change rien.`,
    followUps: [
      {
        from: 'agent',
        content: `Bonjour et merci pour votre signalement. Pourriez-vous nous indiquer la version de l'application (Paramètres > À propos) et nous envoyer un diagnostic via Paramètres > Aide > Envoyer un diagnostic ? Vous obtiendrez un code commençant par DX-.

Petit conseil en attendant : évitez de réinstaller l'appli à nouveau, car les enregistrements non synchronisés sont supprimés lors de la désinstallation.`,
      },
      {
        from: 'customer',
        content: 'Version 5.4.0, code diagnostic DX-Q93LF.',
      },
      {
        from: 'note',
        content:
          'Reproduced: MIUI battery optimisation kills the GPS service on start. Linked to BUG-1207. Workaround: set Trails battery saver to "No restrictions".',
      },
    ],
  },
  {
    language: 'fr',
    category: 'general',
    priority: 'low',
    sentiment: 'positive',
    content: `Bonjour ! Je fais 1m68 pour 60 kg, quelle taille me conseillez-vous pour la veste Saimaa ? Je porte souvent une polaire en dessous. Merci beaucoup !`,
  },
  {
    language: 'fr',
    category: 'feature_request',
    priority: 'low',
    sentiment: 'positive',
    content: `Super appli ! Ce serait génial de pouvoir utiliser les cartes IGN hors ligne, surtout pour les Pyrénées.`,
  },

  // ---------------------------------------------------------------- Spanish
  {
    language: 'es',
    category: 'billing',
    priority: 'high',
    sentiment: 'frustrated',
    content: `Hola, me habéis cobrado dos veces el pedido #{order} ({amount} €). Solo hice una compra. ¿Me podéis devolver el segundo cargo? Gracias`,
    followUps: [
      {
        from: 'agent',
        content: `Hola, ¡disculpa las molestias! He revisado el pedido #{order} y efectivamente el pago se cobró dos veces. Acabo de reembolsar el cargo duplicado de {amount} €.

El dinero debería volver a tu cuenta en un plazo de 1 a 3 días hábiles, según tu banco. No hace falta que contactes con el banco; además recibirás un correo de confirmación con la referencia del reembolso.`,
      },
      {
        from: 'customer',
        content: 'Perfecto, muchas gracias.',
      },
    ],
  },
  {
    language: 'es',
    category: 'shipping',
    priority: 'medium',
    sentiment: 'negative',
    content: `Llevo 10 días esperando el pedido {order} y el seguimiento no se mueve desde que salió de Finlandia. ¿Sabéis algo?`,
  },
  {
    language: 'es',
    category: 'refunds',
    priority: 'low',
    sentiment: 'neutral',
    content: `Buenas, quiero devolver la chaqueta Saimaa porque me queda pequeña. ¿Cómo hago la devolución? ¿Tengo que pagar yo el envío?`,
  },
  {
    language: 'es',
    category: 'technical',
    priority: 'medium',
    sentiment: 'negative',
    content: `La app no sincroniza las rutas entre el móvil y la tablet. En la tablet sale el error E-SYNC-409. ¿Qué significa eso?`,
    followUps: [
      {
        from: 'agent',
        content: `¡Hola! El error E-SYNC-409 indica un conflicto: la misma ruta se editó en dos dispositivos mientras estaban sin conexión. La app guarda las dos versiones y la segunda aparece con el nombre "(copia en conflicto)".

Solo tienes que abrir las dos, quedarte con la que quieras y borrar la otra. Después la sincronización seguirá con normalidad.`,
      },
      {
        from: 'customer',
        content: 'Vale, ya lo he arreglado. ¡Gracias!',
      },
    ],
  },
  {
    language: 'es',
    category: 'account',
    priority: 'low',
    sentiment: 'neutral',
    content: `Quiero eliminar mi cuenta. ¿Cómo lo hago?`,
  },
  {
    language: 'es',
    category: 'billing',
    priority: 'medium',
    sentiment: 'neutral',
    content: `Hola, quiero cancelar mi suscripción Plus pero no encuentro dónde se hace en la app. ¿Me podéis ayudar?`,
  },
  {
    language: 'es',
    category: 'general',
    priority: 'medium',
    sentiment: 'positive',
    content: `¡Hola! Soy la presidenta del Club Alpino Sierra Nevada, en Granada. Queremos comprar 30 mochilas Polku 22L para los socios. ¿Hacéis descuento por volumen? ¿Se puede pedir la factura a nombre del club?

Un saludo,
Carmen Ruiz`,
  },
  {
    language: 'es',
    category: 'bug',
    priority: 'high',
    sentiment: 'angry',
    content: `Vaya desastre de app. Pago 19,90 al mes y desde la última actualización no me deja ni abrir los mapas offline. Como no lo arregléis pronto os dejo una reseña de una estrella en la App Store y me doy de baja.`,
  },
];
