import { parsePhoneNumberFromString } from 'libphonenumber-js/max'
import type { Lead } from '../domain/lead.js'
import { isValidTimeZone } from '../domain/timezone.js'
import { countryTimeZones } from './country-time-zones.js'
import { nanpAreaCode, nanpAreaCodeTimeZones } from './nanp-area-codes.js'

/**
 * Where {@link leadTimeZones} found a lead's time zones: the lead's own `timezone`, the area code of
 * its `+1` number, the country of its number, or nowhere.
 */
export type LeadTimeZoneSource = 'lead' | 'area_code' | 'country' | 'unknown'

/** The time zones a lead may be in, see {@link leadTimeZones}. */
export interface LeadTimeZones {
  /** IANA time zones; calling hours must hold in every one of them. Empty when unknown. */
  zones: string[]
  /** Where the zones come from. */
  source: LeadTimeZoneSource
}

function countryOf(phone: string): string | undefined {
  try {
    return parsePhoneNumberFromString(phone)?.country
  } catch {
    return undefined
  }
}

/**
 * The time zones a lead may be in, for calling hours in its local time:
 *
 * 1. its own `timezone`, when set (and known to this runtime);
 * 2. for a `+1` number, the zone of its area code (with the other zones of an area code that spans
 *    two, see {@link nanpAreaCodeTimeZones});
 * 3. the zones of its country: `phoneCountry`, else the country libphonenumber reads from the
 *    number; a `+1` number of no known country gets the zones of the US and Canada;
 * 4. none (`source: 'unknown'`), e.g. for `+800` numbers.
 *
 * A country with several zones gives them all: the window allowed is the one allowed in each.
 *
 * @example
 * ```ts
 * leadTimeZones({ phone: '+12125551234' }) // { zones: ['America/New_York'], source: 'area_code' }
 * leadTimeZones({ phone: '+390612345678' }) // { zones: ['Europe/Rome'], source: 'country' }
 * ```
 */
export function leadTimeZones(lead: Pick<Lead, 'phone' | 'phoneCountry' | 'timezone'>): LeadTimeZones {
  if (lead.timezone !== undefined && isValidTimeZone(lead.timezone)) {
    return { zones: [lead.timezone], source: 'lead' }
  }
  const areaCode = nanpAreaCode(lead.phone)
  if (areaCode !== undefined) {
    const zones = nanpAreaCodeTimeZones(areaCode).filter(isValidTimeZone)
    if (zones.length > 0) return { zones, source: 'area_code' }
  }
  const country = lead.phoneCountry ?? countryOf(lead.phone)
  if (country !== undefined) {
    const zones = countryTimeZones(country)
    if (zones.length > 0) return { zones: [...zones], source: 'country' }
  }
  if (lead.phone.startsWith('+1')) {
    return { zones: [...new Set([...countryTimeZones('US'), ...countryTimeZones('CA')])], source: 'country' }
  }
  return { zones: [], source: 'unknown' }
}
