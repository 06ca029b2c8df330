/**
 * A small test knowledge base for the search tests: twelve short support articles of the
 * fictional Tindra Outdoor AS (outdoor gear, a GPS watch and its app), each about one clearly
 * distinct topic, plus customer questions that say the same thing in other words.
 *
 * Two articles carry terms no embedding model has seen (`ERR-7731`, `Fjellbrygga 2P`): those
 * must be found by the full-text half of the hybrid search.
 */

export interface TestArticle {
  /** A short key the tests refer to the article by. */
  key: string;
  title: string;
  category: string;
  /** Markdown */
  content: string;
}

export const testArticles: TestArticle[] = [
  {
    key: 'password',
    title: 'Resetting your password',
    category: 'account',
    content: `If you cannot sign in, open the sign-in page and choose **Forgot password**. Enter the e-mail address you registered with and we send you a reset link.

The link works for 60 minutes: open it, choose a new password of at least 10 characters and sign in with it. No e-mail after ten minutes? Look in the spam folder. Five wrong attempts in a row lock sign-in for 15 minutes.`,
  },
  {
    key: 'shipping',
    title: 'Delivery times and shipping costs',
    category: 'shipping',
    content: `Orders placed before 14:00 on a working day leave our warehouse in Trondheim the same day.

Delivery within Norway takes 1-3 working days, to the other Nordic countries 2-4 and to the rest of the EU 3-7. Standard shipping costs 49 NOK and is free above 800 NOK; express delivery (next working day within Norway) costs 149 NOK.`,
  },
  {
    key: 'refund',
    title: 'Returns and refunds',
    category: 'billing',
    content: `You can return unused products within 30 days of delivery. Print the prepaid return label from your order page, pack the product in its original packaging and drop it off at any post office.

As soon as our warehouse has received and checked the return, the refund is paid to the original payment method within 5 working days. Sale products can be returned within 14 days.`,
  },
  {
    key: 'duplicate',
    title: 'Charged twice for one order',
    category: 'billing',
    content: `Sometimes a card payment shows up two times on your bank statement. Usually one of the two is a temporary authorisation hold that your bank releases by itself within 3-5 days.

If both amounts are still there after five days, send us the order number and a screenshot of the statement and we refund the duplicate payment the same day.`,
  },
  {
    key: 'warranty',
    title: 'Warranty claims',
    category: 'warranty',
    content: `Every Tindra product has a two-year warranty against manufacturing defects, counted from the delivery date.

To make a warranty claim, send photos of the defect and your order number through the contact form. We repair the product, replace it or refund it. Normal wear and tear and damage from misuse are not covered by the warranty.`,
  },
  {
    key: 'pairing',
    title: 'Pairing the Polaris X2 GPS watch with your phone',
    category: 'devices',
    content: `Install the Tindra Trails app on your phone and switch Bluetooth on. On the watch, hold the top button for three seconds and choose Settings > Phone > Pair.

Select the watch in the app within 60 seconds and confirm the six-digit code shown on both screens. If pairing fails, restart the watch and remove it from the Bluetooth list of the phone before trying again.`,
  },
  {
    key: 'waterproofing',
    title: 'Reproofing a tent that lets water through',
    category: 'care',
    content: `After a season or two the flysheet loses its water-repellent finish and rain starts to soak through the fabric.

Wash the flysheet with lukewarm water and a mild soap, let it dry, then spray a silicone reproofing treatment evenly on the outside. Treat leaking seams with seam sealer and let the tent dry for 24 hours before you pack it away.`,
  },
  {
    key: 'giftcard',
    title: 'Gift cards',
    category: 'billing',
    content: `Tindra gift cards come in amounts from 200 to 5,000 NOK and are delivered by e-mail as a code. They are valid for three years and work online and in our stores, also together with another payment method.

Gift cards cannot be exchanged for cash. Lost the code? We can send it again to the e-mail address of the buyer.`,
  },
  {
    key: 'err7731',
    title: 'Error ERR-7731 when syncing routes',
    category: 'devices',
    content: `ERR-7731 means that a route could not be copied from the planner to the watch because it has more than 10,000 points.

Split the route into shorter stages in the planner and sync again. Firmware 4.2 or newer raises the limit to 25,000 points.`,
  },
  {
    key: 'fjellbrygga',
    title: 'Fjellbrygga 2P setup guide',
    category: 'tents',
    content: `The Fjellbrygga 2P is our two-person tunnel tent for the mountains. Lay out the inner tent, push the two colour-coded poles through their sleeves and clip the ends into the grommets.

Stake out the four corners first, then the guy lines on the windward side. Pitching takes about ten minutes once you have done it twice. Packed weight: 2.1 kg.`,
  },
  {
    key: 'discount',
    title: 'Using a discount code',
    category: 'billing',
    content: `Enter your discount code in the field under the basket total and press Apply. A code works once per customer and cannot be combined with other offers.

Codes do not apply to gift cards or to products that are already reduced. If the total does not change, check the expiry date printed in the newsletter.`,
  },
  {
    key: 'cancel',
    title: 'Changing or cancelling an order',
    category: 'orders',
    content: `You can change the delivery address of an order, or cancel it, as long as its status is Received. Open the order on your order page and choose Edit or Cancel.

Once the status is Packed the order can no longer be changed: refuse the parcel at delivery, or return it once it has arrived.`,
  },
];

/**
 * Customer questions in other words than the article's (as few shared words as possible), with
 * the article that answers them and the worst rank the local USE-lite model and the hybrid
 * search were measured to give it (1 = first). Where the rank is not 1, the measured reason is
 * noted: these are the limits of a small local model, kept here so a regression shows.
 */
export const paraphrases: { question: string; expected: string; maxRank: number }[] = [
  { question: "I can't get into my profile, I forgot my login", expected: 'password', maxRank: 1 },
  { question: 'How quickly does a purchase reach Bergen?', expected: 'shipping', maxRank: 1 },
  { question: 'I posted the jacket back to you last week, when will you reimburse me?', expected: 'refund', maxRank: 1 },
  // "card" is in the title of the gift-card article, which a title match (search.ts) rewards.
  { question: 'The same purchase appears double on my credit card', expected: 'duplicate', maxRank: 2 },
  { question: "My smartwatch won't connect to my mobile", expected: 'pairing', maxRank: 1 },
  { question: 'Rain gets inside my shelter during a storm', expected: 'waterproofing', maxRank: 1 },
  { question: 'Can I buy a voucher as a birthday present for my brother?', expected: 'giftcard', maxRank: 1 },
  { question: 'I typed a promo coupon at checkout but the price stayed the same', expected: 'discount', maxRank: 1 },
  // The vectors put the refund article first (buying, undoing); cancelling is second.
  { question: 'I regret what I just bought, can you halt it before dispatch?', expected: 'cancel', maxRank: 2 },
  // Vectors: waterproofing first, warranty second; "free" (free shipping) puts delivery ahead of both.
  { question: 'The zipper on my backpack broke after eight months, will you fix it for free?', expected: 'warranty', maxRank: 3 },
  // Vectors rank delivery 4th (after refund, cancel, duplicate charge); "parcel" is a word of the cancel article.
  { question: 'How long until the parcel reaches my home?', expected: 'shipping', maxRank: 4 },
];

/**
 * Questions naming a rare term (an error code, a product name) that USE-lite has never seen:
 * the article with the term must come first, also when the term sits in a longer sentence.
 */
export const rareTermQuestions: { question: string; expected: string }[] = [
  { question: 'ERR-7731', expected: 'err7731' },
  { question: 'Hi, my screen keeps showing ERR-7731 and I have no idea what I am supposed to do now, please help', expected: 'err7731' },
  { question: 'Fjellbrygga', expected: 'fjellbrygga' },
  { question: 'Is there a footprint groundsheet available that fits the Fjellbrygga, and what does it cost?', expected: 'fjellbrygga' },
  { question: 'Water drips into my Fjellbrygga when it pours', expected: 'fjellbrygga' },
];

/**
 * A question whose words lead the vectors to another article (sign-in: the password article),
 * while its rare term is the point: only the full-text half can put the error article first.
 */
export const rareTermAgainstVectors = { question: 'My login works but the watch says ERR-7731', expected: 'err7731', vectorsPrefer: 'password' };
