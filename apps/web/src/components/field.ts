/**
 * The attributes that tie a form control to the message under it (`<small :id="messageId">`):
 * while there is a message, the control is invalid (PrimeVue's red border, aria-invalid for
 * screen readers) and described by it.
 */
export const invalidBy = (message: string | null | undefined, messageId: string) => ({
  invalid: !!message,
  'aria-invalid': !!message,
  'aria-describedby': message ? messageId : undefined,
});
