/** The name given to leads that arrive without any name, as the system leadcall replaces did. */
export const UNKNOWN_CONTACT = {
  /** `Unknown Contact`. */
  fullName: 'Unknown Contact',
  /** `Unknown`. */
  firstName: 'Unknown',
  /** `Contact`. */
  lastName: 'Contact',
} as const
