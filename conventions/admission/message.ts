/**
 * Message templates shared by the two enforcement points of a rule: the policy pack renders a
 * template with the values it found, the generated ValidatingAdmissionPolicy turns the same
 * template into a CEL string expression, so both say the same words.
 */

/** A message with named slots, e.g. message`GPU limit "${"name"}" is above ${"max"}`. */
export interface MessageTemplate<Slot extends string> {
  /** The literal text around the slots (one more part than slots). */
  readonly parts: readonly string[];
  readonly slots: readonly Slot[];
}

/** Builds a template from a tagged template literal whose substitutions are slot names. */
export function message<Slot extends string>(
  strings: TemplateStringsArray,
  ...slots: Slot[]
): MessageTemplate<Slot> {
  return { parts: [...strings], slots };
}

/** The template with every slot replaced by its value (what the policy pack reports). */
export function render<Slot extends string>(
  template: MessageTemplate<Slot>,
  values: Readonly<Record<Slot, string | number>>,
): string {
  let text = template.parts[0] ?? "";
  template.slots.forEach((slot, index) => {
    text += `${values[slot]}${template.parts[index + 1] ?? ""}`;
  });
  return text;
}

/** A CEL string literal holding `text`. */
export function celString(text: string): string {
  // JSON's escapes (\" \\ \n \uXXXX) are CEL's too.
  return JSON.stringify(text);
}

/**
 * The template as a CEL expression of type string: each slot is a CEL expression of type string
 * (wrap numbers in string(...)).
 */
export function celMessage<Slot extends string>(
  template: MessageTemplate<Slot>,
  expressions: Readonly<Record<Slot, string>>,
): string {
  const pieces: string[] = [];
  const literal = (text: string | undefined): void => {
    if (text !== undefined && text !== "") pieces.push(celString(text));
  };
  literal(template.parts[0]);
  template.slots.forEach((slot, index) => {
    pieces.push(`(${expressions[slot]})`);
    literal(template.parts[index + 1]);
  });
  return pieces.length === 0 ? '""' : pieces.join(" + ");
}
