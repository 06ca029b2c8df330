/**
 * Demo knowledge-base articles for the "Northwind Gear" demo account.
 *
 * Northwind Gear Oy is a fictional Finland-based outdoor retailer (tents,
 * jackets, backpacks, bike accessories) that also sells the "Northwind Trails"
 * subscription app. All figures below are intentionally consistent with each
 * other and with the agent replies in ./ticket-templates.ts:
 *
 * - Free shipping on orders over 79 EUR; returns within 30 days (sale items 14 days)
 * - Refund issued within 5 business days after the return is received
 * - Return fee 6.90 EUR outside Finland (free for faulty/wrong items)
 * - Duplicate charges refunded immediately, back in 1-3 business days
 * - Trails: Basic free / Plus 9.90 EUR per month / Pro 19.90 EUR per month
 * - Warranty 2 years; volume discount 10% (20-49 items) / 15% (50+ items)
 */

export interface SeedArticle {
  title: string;
  category: string;
  /** Markdown */
  content: string;
}

export const seedArticles: SeedArticle[] = [
  {
    title: 'Duplicate Charge Policy',
    category: 'billing',
    content: `# Duplicate Charge Policy

Seeing the same amount twice on your card or bank statement is stressful. Here is what it usually means and what we do about it.

## Pending authorisation or real charge?

When you place an order, your bank first places a temporary **authorisation hold** on the amount. If a payment is retried (for example after a timeout during checkout), a second hold can appear. Holds that we never capture are released automatically by your bank, normally within **7 days**.

You can check this yourself under **Account > Orders**: every order shows the payments that were actually captured.

## If you really were charged twice

If two captured payments exist for the same order or the same subscription period, our policy is simple:

- We refund the duplicate charge **immediately** once it is confirmed, usually the same business day you contact us.
- The money is back on your account within **1–3 business days**, depending on your bank.
- You **do not need to contact your bank** or open a dispute. A chargeback opened while our refund is in progress can actually delay things, because the bank freezes the payment while it investigates.
- You receive an email confirmation with a refund reference for your records.

## What to send us

Contact support@northwindgear.com or use the chat in your account and include:

1. Your order number (for example #48213) or the email address of your Trails account
2. The date and amount of both charges
3. The last four digits of the card (never send the full card number)

## Trails subscriptions

For Northwind Trails, a double charge can happen if you subscribed both on our website and through the Apple App Store or Google Play. We cancel and refund the duplicate web subscription right away. Charges made through Apple or Google can only be refunded by Apple or Google; see *Cancelling Your Subscription* for how to request that.
`,
  },
  {
    title: 'Refund Policy',
    category: 'refunds',
    content: `# Refund Policy

We want you to be happy with your gear. If something isn't right, you can send it back.

## 30-day returns

- Return unused items in their original condition within **30 days of delivery**.
- Clothing must have its tags attached. Tents and sleeping bags must not have been used outdoors.
- Start the return at **Account > Orders > Return items**. You get a prepaid return label and a QR code for the drop-off point.
- Returns from Finland are free. From Sweden, Germany, France, Spain and other EU countries a return shipping fee of **6.90 EUR** is deducted from the refund.
- Faulty, damaged or wrong items are always returned **free of charge** (see *Damaged or Wrong Item Received*).

## When you get your money back

We issue your refund **within 5 business days after the return is received** at our warehouse in Vantaa, Finland. You get an email as soon as the refund has been issued. Card refunds then usually appear within 1–3 business days; Klarna invoices are adjusted automatically.

- Refunds always go to the original payment method.
- The original shipping cost is refunded if you return the whole order.

## Sale and outlet items

- Items bought in a sale or in the outlet can be returned within **14 days of delivery**. You are refunded the price you actually paid.
- Items marked **Final sale** cannot be returned unless they are faulty.
- Gift cards are non-refundable.

## Exchanges

We don't do direct exchanges. The fastest way to get a different size or colour is to place a new order and return the original item, so your size doesn't sell out in the meantime.

## Northwind Trails subscriptions

Subscriptions follow their own rules: you get a full refund if you ask within **14 days of your first payment** (EU right of withdrawal). After that you can cancel at any time and keep access until the end of the paid period. See *Cancelling Your Subscription*.
`,
  },
  {
    title: 'Shipping Times and Costs',
    category: 'shipping',
    content: `# Shipping Times and Costs

All orders ship from our warehouse in Vantaa, Finland. Orders placed before **14:00 Finnish time** on a business day leave the warehouse the same day; later orders ship the next business day.

## Standard delivery

| Country | Carrier | Delivery time | Cost |
|---|---|---|---|
| Finland | Posti | 1–3 business days | 4.90 EUR |
| Sweden | PostNord | 2–4 business days | 6.90 EUR |
| Germany | DHL | 3–5 business days | 7.90 EUR |
| France | DHL | 3–6 business days | 8.90 EUR |
| Spain | DHL | 4–7 business days | 8.90 EUR |
| Other EU countries | DHL | 4–8 business days | 9.90 EUR |

**Standard shipping is free on all orders over 79 EUR** (calculated after discounts, before shipping).

## Express delivery

- **Finland:** next business day for 12.90 EUR when ordered before 14:00.
- **Other EU countries:** 1–3 business days with DHL Express for 19.90 EUR.

Express is never free, even on orders over 79 EUR.

## Where we ship

We currently ship to all **EU member states**. We do not ship to Norway, Switzerland or the United Kingdom, because customs clearance would add fees and delays we can't control. Orders to the Canary Islands are not possible at the moment.

## Good to know

- Delivery times are estimates from dispatch, not from the moment you order.
- During peak season (Black Friday, December) add 1–2 business days.
- Parcels to pickup points are held for 7–14 days depending on the carrier; uncollected parcels come back to us and are refunded minus the return shipping fee (6.90 EUR outside Finland).
- Pre-order items ship together with the rest of the order unless you choose split delivery at checkout.

See *Tracking Your Order* for how to follow your parcel.
`,
  },
  {
    title: 'Tracking Your Order',
    category: 'shipping',
    content: `# Tracking Your Order

## Where to find your tracking link

As soon as your order leaves our warehouse you receive a **shipping confirmation email** with a tracking link from the carrier (Posti, PostNord or DHL). You can also open **Account > Orders** and click **Track parcel**.

Tracking can take up to **24 hours** after dispatch to show the first scan. This is normal: the carrier scans the parcel when it is picked up from our warehouse in the evening.

## What the statuses mean

- **Received** – we have your order and payment.
- **Packing** – your order is being picked and packed. It can no longer be changed.
- **Dispatched** – the parcel has been handed to the carrier.
- **In transit** – the parcel is on its way. International parcels may not be scanned for a few days while crossing borders.
- **Ready for pickup** – the parcel is waiting at your pickup point or parcel locker.
- **Delivered** – the carrier has marked the parcel as delivered.

## If tracking hasn't moved

If the tracking status hasn't changed for **5 business days**, contact us with your order number. We open an investigation with the carrier, which takes up to **10 business days**. You don't have to wait that long if you need the item: if the parcel is lost, or it is urgent, we send a replacement or give you a full refund.

## Marked as delivered but not received

1. Check your mailbox, parcel locker app and with neighbours or your building's reception.
2. Look for a notification slip; some carriers leave the parcel at the nearest pickup point.
3. Wait **48 hours**, because parcels are sometimes scanned as delivered too early.
4. Still nothing? Contact us and we will file a claim with the carrier.

## Wrong address?

If the address is wrong and the parcel hasn't been dispatched yet, see *Changing or Cancelling an Order*. Once it is dispatched we can ask the carrier to redirect it, but this is not always possible.
`,
  },
  {
    title: 'Damaged or Wrong Item Received',
    category: 'refunds',
    content: `# Damaged or Wrong Item Received

We're sorry if your order didn't arrive the way it should have. We'll make it right at no cost to you.

## Report it within 14 days

Contact us within **14 days of delivery** and include:

1. Your order number
2. Photos of the item and the damage (or of the wrong item and its label)
3. A photo of the outer box and the shipping label if the packaging was damaged

Photos are usually all we need. You don't have to file anything with the carrier yourself.

## What we offer

You can choose between:

- **A free replacement.** We ship it as soon as you reply, with express delivery in Finland and standard delivery elsewhere. If the item is out of stock, we offer a similar item or a refund.
- **A full refund**, including the original shipping cost. Refunds are issued within 5 business days after we receive the item back, or immediately if we don't need it returned.

## Sending the item back

- We email you a **prepaid return label**; returns of damaged or wrong items are always free, also from outside Finland.
- For items under **20 EUR** (for example bike lights or small accessories) you don't need to send anything back.
- **Wrong item:** we send the correct item right away. You don't have to wait until we receive the wrong one.
- **Wrong size that you ordered yourself** is a normal return and follows the *Refund Policy*.

## Damage discovered later

If a defect shows up after 14 days, for example a seam that starts leaking after a few trips, it is handled as a warranty claim. All Northwind products have a **2-year warranty**; see *Warranty Claims*.

## Missing items

If a parcel arrives with an item missing, check whether your order was split into two shipments (the confirmation email says so). If not, contact us and we will send the missing item at no cost.
`,
  },
  {
    title: 'Changing or Cancelling an Order',
    category: 'shipping',
    content: `# Changing or Cancelling an Order

## How much time do I have?

You can change or cancel an order until its status changes to **Packing**. Orders placed before 14:00 Finnish time on a business day usually start packing within **1 hour**, so please contact us as soon as possible. Orders placed in the evening or at weekends can normally be changed until the next business morning.

## Cancelling yourself

Go to **Account > Orders**, open the order and click **Cancel order**. If the button is visible, the order can still be cancelled and you receive a confirmation email right away.

If the button is gone, the order is already being packed. Contact us in the chat and we will try to stop it, but we can't guarantee it.

## What we can change

- Delivery address or pickup point
- Size or colour of an item (if in stock)
- Removing items from the order
- Switching between standard and express delivery

We can't add items to an existing order. Please place a new order instead; if both orders together exceed 79 EUR, we refund the shipping cost of the second order when you ask us.

## What happens to my payment?

- For card and PayPal payments we only capture the money when the order is dispatched. When you cancel, the **authorisation hold** is released by your bank, normally within **7 days**.
- If the payment was already captured, we refund it immediately and it appears within **1–3 business days**.
- Klarna invoices are cancelled automatically.

## Already dispatched?

Once an order has left the warehouse it can't be cancelled. You can:

- **Refuse the delivery.** When the parcel is back with us, we refund it minus the return shipping fee (6.90 EUR outside Finland).
- **Return it** within 30 days under the normal *Refund Policy*.

## Trails subscriptions

Subscriptions are not orders; see *Cancelling Your Subscription*.
`,
  },
  {
    title: 'Resetting Your Password',
    category: 'account',
    content: `# Resetting Your Password

Your Northwind account is the same for the web shop and the Northwind Trails app.

## Reset steps

1. Go to **northwindgear.com/login** or open the Trails app and tap **Sign in**.
2. Choose **Forgot password?** and enter the email address of your account.
3. Open the email from no-reply@northwindgear.com and click **Reset password**.
4. Choose a new password of at least **10 characters**.

The reset link is valid for **60 minutes** and only the **most recent** link works. If you requested several emails, use the newest one.

## The email doesn't arrive

- Check your spam, junk and "Promotions" folders.
- Make sure you use the address you signed up with; we don't reveal whether an account exists for a given address.
- You can request at most **5 reset emails per hour**. After that, wait an hour before trying again.
- Some work email systems delay external mail by several minutes.

## No password at all?

If you created your account with **Sign in with Apple** or **Sign in with Google**, your account has no Northwind password. Use the same Apple or Google button to sign in. If you used Apple's "Hide my email", our emails go to a private relay address.

## Locked account

After **10 failed sign-in attempts** your account is locked for **30 minutes** to protect it. Waiting is enough; support cannot unlock it faster.

## After resetting

For your security, changing your password **signs you out on all other devices**. In the Trails app this can show up as sync error **E-SYNC-401** until you sign in again on each device. Your routes and recordings are not lost.

## Still stuck?

Contact support from the email address of your account. We will never ask for your password, and we can't set one for you.
`,
  },
  {
    title: 'Two-Factor Authentication',
    category: 'account',
    content: `# Two-Factor Authentication

Two-factor authentication (2FA) adds a second step to signing in, so that nobody can access your orders, payment details or Trails routes with your password alone. We strongly recommend it, especially for Pro and business accounts.

## Turning on 2FA

1. Go to **Account > Security > Two-factor authentication**.
2. Choose one method:
   - **Authenticator app** (Google Authenticator, Microsoft Authenticator, 1Password, Authy and similar) that generates 6-digit codes, or
   - **Passkey** stored on your phone or computer.
3. Save your **10 backup codes**. Each code works once. Store them somewhere safe, outside your phone.

We don't offer 2FA by SMS, because text messages can be intercepted.

## Using a backup code

On the sign-in screen tap **Use a backup code instead** and enter one of your codes. After signing in, go to **Account > Security** to set up 2FA on your new device and generate new backup codes.

## Lost your phone and your backup codes?

For security reasons support **cannot turn off 2FA just because someone asks**. We verify your identity first:

1. Contact us **from the email address of your account**.
2. We ask for the number of a recent order or your Trails subscription date, and the **last four digits** of the card used.
3. We send a verification link to your account email.

Once verified, we reset 2FA within **2 business days** (usually the same day). You then set up 2FA again at your next sign-in.

## Changing phones

Before switching phones, move your authenticator accounts to the new phone (most apps have a transfer feature) or use a backup code to sign in and re-enrol.

## Trails app

The Trails app asks for a 2FA code only when you sign in on a new device. Sync keeps working on devices that are already signed in.
`,
  },
  {
    title: 'Deleting Your Account and Data (GDPR)',
    category: 'account',
    content: `# Deleting Your Account and Data (GDPR)

Under the EU General Data Protection Regulation you have the right to access, correct and delete your personal data. Northwind Gear Oy (Helsinki, Finland) is the data controller.

## Download your data first

Go to **Account > Privacy > Download my data**. Within **48 hours** you receive a link to a ZIP file with your profile, order history, support conversations and all your Trails routes and recordings (JSON and GPX). The link is valid for 7 days.

## Deleting your account

1. Cancel any Trails subscription bought through the **Apple App Store or Google Play** yourself. We can't cancel those for you, and deleting your account does not stop Apple or Google from charging you.
2. Go to **Account > Privacy > Delete account** and confirm with your password (and 2FA code).
3. Alternatively, email **privacy@northwindgear.com** from the address of your account.

Web subscriptions are cancelled automatically when you delete your account. Any remaining subscription time is not refunded.

## What happens next

- Your account is **deactivated immediately** and there is a **14-day grace period** in which you can change your mind by signing in.
- After the grace period all personal data is permanently deleted. The whole process is completed **within 30 days** of your request, as required by the GDPR.
- You receive a confirmation email when the deletion is complete.
- Backups are overwritten within a further 35 days.

## What we have to keep

Finnish accounting law requires us to keep **order and invoice records for 6 years**. These are kept separately, with restricted access, and are not used for marketing.

## Other requests

- **Only stop marketing emails:** use the unsubscribe link in any newsletter or Account > Privacy.
- **Access or correction requests** (GDPR Articles 15 and 16) are answered within 30 days.
- If you are unhappy with how we handle your data, you can complain to the Finnish Data Protection Ombudsman or to the data protection authority in your country.
`,
  },
  {
    title: 'Northwind Trails Plans and Pricing',
    category: 'billing',
    content: `# Northwind Trails Plans and Pricing

Northwind Trails is our route-planning and navigation app for hiking, biking and ski touring, available for iOS, Android and the web.

## Plans

### Basic – free
- Route planning on the web and in the app
- Record activities with GPS
- Up to **10 saved routes**
- 1 device, no sync, no offline maps

### Plus – 9.90 EUR per month or 89 EUR per year
- Everything in Basic
- **Offline maps** for unlimited regions
- Unlimited saved routes
- **Sync across up to 3 devices**
- GPX import and export (for example to Garmin, Suunto and Coros watches)
- Turn-by-turn voice navigation

### Pro – 19.90 EUR per month or 179 EUR per year
- Everything in Plus
- Sync across up to **10 devices**
- **Weather and avalanche overlays** and 3D terrain
- Live location sharing with friends and family
- Priority support: we reply within **4 business hours**

All prices include VAT. Annual plans save about 25% compared with paying monthly.

## Free trial

New users can try Plus or Pro free for **14 days**, once per account. You can cancel during the trial and you won't be charged. We email you a reminder 3 days before the trial ends.

## Changing plans

- **Upgrading** takes effect immediately. You pay only the prorated difference for the rest of the current billing period.
- **Downgrading** takes effect at the end of the current billing period; you keep your features until then.
- If you downgrade to Basic, your routes are kept, but offline maps are removed from your devices and sync stops.

## Buying through Apple or Google

If you subscribe inside the iOS or Android app, Apple or Google bill you in your local store price, and the subscription is managed in your App Store or Google Play account. Buying on northwindgear.com/trails is billed by us and can be managed in **Account > Subscription**.

## Business accounts

Teams of 5 or more can get Pro at 15.90 EUR per user per month with central invoicing. Contact business@northwindgear.com.
`,
  },
  {
    title: 'Cancelling Your Subscription',
    category: 'billing',
    content: `# Cancelling Your Subscription

You can cancel your Northwind Trails Plus or Pro subscription at any time. There are no cancellation fees.

## Where to cancel depends on where you subscribed

**Subscribed on our website (northwindgear.com/trails):**
1. Sign in and go to **Account > Subscription**.
2. Click **Cancel subscription** and confirm.
3. You receive a confirmation email. Keep it until your billing period has ended.

**Subscribed in the iPhone or iPad app:** open **Settings > [your name] > Subscriptions > Northwind Trails** on your device and tap **Cancel Subscription**.

**Subscribed in the Android app:** open the **Google Play Store > Profile > Payments & subscriptions > Subscriptions > Northwind Trails > Cancel**.

Deleting the app does **not** cancel the subscription. If you aren't sure where you subscribed, check **Account > Subscription**: it shows "Billed by Apple", "Billed by Google" or "Billed by Northwind". It is possible to have two subscriptions at once if you subscribed in two places.

## What happens after cancelling

- You keep Plus or Pro features until the **end of the period you've paid for**.
- After that your account becomes Basic. Your routes and recordings are kept; offline maps are removed and sync stops.
- You can resubscribe at any time.

## Refunds

- **New subscriptions:** full refund if you ask within **14 days of your first payment** (EU right of withdrawal).
- **Annual renewals:** we email a reminder **7 days** before an annual plan renews. If you forgot to cancel, contact us within **14 days of the renewal** and we refund it in full, as long as you haven't used Plus or Pro features since the renewal.
- **Monthly renewals** are not refunded; cancelling stops the next charge.
- Charged twice? See *Duplicate Charge Policy*.

We can only refund payments billed by Northwind. **Apple and Google purchases must be refunded by Apple** (reportaproblem.apple.com) **or Google** (Google Play > Order history > Request a refund). We are happy to help you with the request, but we can't make the decision for them.
`,
  },
  {
    title: 'Sync Troubleshooting in the Trails App',
    category: 'technical',
    content: `# Sync Troubleshooting in the Trails App

Sync keeps your routes, recordings and offline map selections the same on all your devices. It requires a **Plus or Pro** plan and app version **5.2 or later**.

## Start here

1. Update the app to the latest version from the App Store or Google Play.
2. Check that you have a connection. If **Settings > Sync > Sync on Wi-Fi only** is on, the app won't sync on mobile data.
3. Pull down on the **Routes** list or tap **Settings > Sync > Sync now**.
4. Turn off battery saver / low power mode for Trails; some Android phones stop background sync.
5. Make sure the date and time on your device are set automatically.

**Do not uninstall the app** to fix sync problems. Recordings that haven't synced yet exist only on that device and are lost if you uninstall.

## Error codes

**E-SYNC-401 – Session expired.** Your sign-in on this device is no longer valid, usually because you changed your password. Sign out (**Settings > Account > Sign out**) and sign in again. Unsynced data stays on the device and syncs after you sign in.

**E-SYNC-403 – Sync not available.** Either your plan doesn't include sync (Basic) or you've reached the device limit (3 devices on Plus, 10 on Pro). Remove old devices in **Settings > Devices**.

**E-SYNC-409 – Conflict.** The same route was edited on two devices while offline. The app keeps both versions; the second is named "(conflict copy)". Keep the one you want and delete the other.

**E-SYNC-413 – Item too large.** A route or recording is over **50 MB or 20,000 track points**. Split long multi-day recordings with **Edit > Split recording**.

**E-SYNC-429 – Too many requests.** Wait 15 minutes; the app retries automatically.

**E-SYNC-503 – Service temporarily unavailable.** The problem is on our side. Your data is safe on your device, and offline maps and downloaded routes keep working. The app retries every 5 minutes. Check **status.northwindgear.com** for updates; you don't need to do anything.

## Still not syncing?

Go to **Settings > Help > Send diagnostics** and send us the reference code (for example DX-4K7P2) together with your device model and app version.
`,
  },
  {
    title: 'Invoices and VAT Receipts',
    category: 'billing',
    content: `# Invoices and VAT Receipts

## Where to find your invoice

- **Web shop orders:** a PDF invoice is attached to the shipping confirmation email. You can also download it at any time from **Account > Orders > Download invoice**.
- **Trails subscriptions billed by Northwind:** every payment has a receipt under **Account > Subscription > Billing history**.
- **Trails subscriptions bought in the App Store or Google Play:** receipts come from Apple or Google, not from us.

## Seller details

Northwind Gear Oy, Tammasaarenkatu 3, 00180 Helsinki, Finland
Business ID 3187654-2, VAT number FI31876542

## VAT

All prices include VAT. Under the EU One-Stop-Shop rules we charge the VAT rate of the **destination country**:

| Country | VAT rate |
|---|---|
| Finland | 25.5% |
| Sweden | 25% |
| Germany | 19% |
| France | 20% |
| Spain | 21% |

The invoice shows the VAT rate and the VAT amount for each line.

## Company invoices

- Choose **I'm buying for a company** at checkout and enter the company name and VAT ID.
- Businesses outside Finland with a VAT ID that is valid in the EU VIES system are invoiced **without VAT (reverse charge)**.
- Reverse charge can only be applied when the VAT ID is entered **before** payment. We can't remove VAT from a completed order.

## Changing an invoice

We can re-issue an invoice with a different company name, address or VAT ID within **3 months** of the order date. Contact us with the order number and the correct details; the new invoice appears in Account > Orders within 1 business day. Because VAT was already charged, the re-issued invoice still shows VAT.

## Paying by invoice

Registered companies can pay larger orders by invoice with **14 days net** payment terms after a quick credit check. See *Business and Team Orders*.
`,
  },
  {
    title: 'Warranty Claims',
    category: 'general',
    content: `# Warranty Claims

All Northwind Gear products come with a **2-year warranty** from the date of delivery. This is on top of your statutory consumer rights in your country.

## What the warranty covers

Manufacturing and material defects, for example:

- Zips, buckles or sliders that break in normal use
- Seams that come apart or start leaking
- Delaminating waterproof membranes or coatings
- Tent poles that crack without an impact
- Bike lights and electronics that stop working or won't charge

## What it doesn't cover

- Normal wear and tear (worn fabric, faded colours, worn-out shoulder straps after years of use)
- Accidental damage, such as burns from a campfire, tears from branches or a pole bent by a fall
- Damage from incorrect washing, storing a tent wet, or using the wrong detergent on down
- Products that have been modified or repaired by someone else

## How to make a claim

1. Go to **Account > Orders**, open the order and choose **Warranty claim** for the item. If the item was a gift, contact us with the order number or the buyer's name.
2. Describe the problem and add **photos** (the whole product, the defect close-up and the product label).
3. We assess the claim within **5 business days**. Sometimes we ask you to send the item in; we then email a **prepaid label**.

## Outcome

Depending on the defect, we:

- **repair** the item (typical repair time 2–3 weeks), or
- **replace** it with the same or an equivalent product, or
- **refund** the purchase price if neither is possible.

You never pay shipping for an approved warranty claim. The warranty of a replaced product continues from the original delivery date.

## Outside the warranty

Our repair partner in Tampere repairs zips, seams and down jackets at cost, for example a new main zip from 35 EUR. Ask us for a quote. Repairing is almost always better for the planet than replacing.
`,
  },
  {
    title: 'Business and Team Orders',
    category: 'general',
    content: `# Business and Team Orders

Outfitting a team, a club or a company event? We're happy to help with larger orders.

## Volume discounts

Volume discounts apply per order on full-price items:

- **20–49 items:** 10% off
- **50 or more items:** 15% off

Sizes and colours can be mixed. Sale and outlet items are not included in the volume discount.

## Logo embroidery and printing

- Embroidery on jackets, fleeces and backpacks: **6.90 EUR per item**, minimum 10 items.
- We need your logo as a vector file (SVG, PDF or AI).
- You approve a digital proof before production starts.
- Embroidered orders take an extra **10 business days** and cannot be returned, except for defects.

## Getting a quote

Email **business@northwindgear.com** with:

1. The products and an estimate of the sizes
2. Whether you need embroidery
3. Your company name, VAT ID and delivery address
4. The date you need the items by

We reply with a written quote within **1 business day**. Quotes are valid for 30 days. If you aren't sure about sizes, we can send a free size set (one item in each size) for a week.

## Payment

- Card, PayPal or bank transfer in advance, or
- **Invoice with 14 days net** for registered companies after a quick credit check.
- Companies outside Finland with a valid EU VAT ID are invoiced without VAT (reverse charge).

## Delivery

Shipping is free, as all business orders exceed the free-shipping limit of 79 EUR. Large orders are delivered on a pallet or in several parcels; you receive all tracking numbers in one email. Check stock for the exact sizes you need before the deadline, as popular sizes can run out before winter.

## Returns

Non-embroidered items from business orders can be returned within 30 days under the normal *Refund Policy*. The volume discount is recalculated if the number of items drops below the discount threshold.

## Trails for teams

Teams of 5 or more can get Trails Pro at 15.90 EUR per user per month with one monthly invoice.
`,
  },
  {
    title: 'Requesting a Feature',
    category: 'feature_request',
    content: `# Requesting a Feature

Many of the best features in Northwind Trails, such as offline maps and GPX export, started as ideas from our users. We'd love to hear yours.

## Where to send ideas

- **Trails app and web:** post your idea on our feedback board at **feedback.northwindgear.com**, or use **Settings > Help > Suggest a feature** in the app.
- **Products and the web shop:** write to support@northwindgear.com or use the chat. Our product team reads every suggestion about materials, sizes and colours.

If you send an idea to support, we add it to the feedback board for you and add your vote.

## Write a good request

A good request describes the **problem**, not only the solution:

- What are you trying to do? ("I want to see ski trails in winter")
- What do you do today instead, and why isn't that enough?
- How often does this come up for you?

This helps us find the best solution, which may be different from the one you had in mind.

## Voting and statuses

Every idea on the board can be voted on. Each account has unlimited votes, but one vote per idea. Ideas move through these statuses:

1. **Under review** – we've read it and are collecting feedback
2. **Planned** – it's on our roadmap
3. **In progress** – we're building it
4. **Released** – it's live; everyone who voted gets an email

Our product team reviews the top-voted ideas **every quarter**. We can't promise that every idea will be built or give exact release dates, but popular ideas get a written response from the team.

## Beta programme

Plus and Pro subscribers can join the **Trails beta** in **Settings > About > Join beta** to try new features early and give feedback before they're released to everyone.

## Something broken instead?

If something doesn't work the way it should, that's a bug, not a feature request. See *Reporting a Bug*.
`,
  },
  {
    title: 'Reporting a Bug',
    category: 'bug',
    content: `# Reporting a Bug

Found something that doesn't work as it should in the Trails app or the web shop? Thank you for telling us. A good bug report helps our developers fix it much faster.

## Check first

- Is there a known outage? Check **status.northwindgear.com**.
- Are you on the latest app version? Many bugs are already fixed in an update.
- For sync errors (E-SYNC-...), see *Sync Troubleshooting in the Trails App*.

## What to include

1. **App version** (Settings > About) or the **browser** and version for the web shop
2. **Device model and operating system**, for example "iPhone 15, iOS 18.1" or "Pixel 8, Android 15"
3. **Steps to reproduce:** what you tapped, in what order
4. **What you expected** to happen and **what happened** instead
5. **Screenshots or a screen recording**, if possible
6. **Diagnostics:** go to **Settings > Help > Send diagnostics**. You get a reference code such as DX-4K7P2; include it in your message. Diagnostics contain app logs and device information, never your location history.

Please don't reinstall the app before sending diagnostics: it deletes the logs, and any recordings that haven't synced yet.

## What happens next

- **Critical bugs** (the app is unusable, data is lost, or you were charged incorrectly) are acknowledged within **4 business hours** and escalated to the developers right away.
- **Other bugs** are answered within **2 business days**.
- Once the developers have confirmed the bug, we tell you when a fix is expected and suggest a workaround if there is one.
- We let you know when the fixed version is released.

Support hours are Monday to Friday, 8:00–18:00 Finnish time. Outages are monitored around the clock.

## Security issues

Found a security vulnerability? Please don't post it publicly. Email **security@northwindgear.com**; we reply within 2 business days.
`,
  },
];
