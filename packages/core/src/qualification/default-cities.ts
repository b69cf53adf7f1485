/**
 * A city the rule classifier recognizes: a name, or a name with the other ways people write it
 * (`{ name: 'Milano', aliases: ['Milan'] }`). The extracted `city` is always the `name`.
 */
export type CityEntry = string | { name: string; aliases?: readonly string[] }

/**
 * Major cities of Spain, Italy, the United Kingdom and the United States, with their usual
 * English, Spanish and Italian names as aliases. Names that are also common words or first names
 * (Como, León, Austin, Charlotte, Reading, …) are left out to avoid false matches. Extend it:
 * `cities: [...DEFAULT_CITIES, 'Lugo', { name: 'Donostia', aliases: ['San Sebastián'] }]`.
 */
// biome-ignore format: city lists read better packed, several to a line
export const DEFAULT_CITIES: readonly CityEntry[] = [
  // Spain
  'Madrid', 'Barcelona', 'Valencia', { name: 'Sevilla', aliases: ['Seville', 'Siviglia'] }, 'Zaragoza',
  'Málaga', 'Murcia', 'Palma de Mallorca', 'Bilbao', 'Alicante', 'Córdoba', 'Valladolid', 'Vigo', 'Gijón',
  { name: 'A Coruña', aliases: ['La Coruña', 'Coruña'] }, 'Vitoria', 'Granada', 'Elche', 'Oviedo', 'Cartagena',
  'Pamplona', 'Almería', 'Santander', 'Burgos', 'Salamanca', 'Logroño', 'Badajoz', 'Huelva', 'Tarragona',
  'Cádiz', 'Jaén', 'Girona', 'Marbella', 'Toledo', 'Cáceres', 'Santiago de Compostela',
  { name: 'San Sebastián', aliases: ['Donostia'] }, { name: 'Las Palmas', aliases: ['Las Palmas de Gran Canaria'] },
  'Santa Cruz de Tenerife', 'Castellón', 'Albacete', 'Getafe', 'Móstoles', 'Alcalá de Henares', 'Sabadell',
  'Terrassa', 'Badalona', 'Hospitalet', 'Lleida', 'Ourense', 'Lugo',
  // Italy
  { name: 'Roma', aliases: ['Rome'] }, { name: 'Milano', aliases: ['Milan', 'Milán'] },
  { name: 'Napoli', aliases: ['Naples', 'Nápoles'] }, { name: 'Torino', aliases: ['Turin', 'Turín'] }, 'Palermo',
  { name: 'Genova', aliases: ['Genoa', 'Génova'] }, 'Bologna', { name: 'Firenze', aliases: ['Florence', 'Florencia'] },
  'Bari', 'Catania', { name: 'Venezia', aliases: ['Venice', 'Venecia'] }, 'Verona', 'Messina',
  { name: 'Padova', aliases: ['Padua'] }, 'Trieste', 'Brescia', 'Parma', 'Taranto', 'Modena', 'Reggio Calabria',
  'Reggio Emilia', 'Perugia', 'Livorno', 'Ravenna', 'Cagliari', 'Foggia', 'Rimini', 'Salerno', 'Ferrara',
  'Sassari', 'Monza', 'Bergamo', 'Pescara', 'Vicenza', 'Trento', 'Bolzano', 'Novara', 'Piacenza', 'Ancona',
  'Lecce', 'Pisa', 'Siena', 'Udine', 'Arezzo', 'Treviso', 'Varese', 'Lucca', 'Cosenza', 'Brindisi',
  // United Kingdom
  { name: 'London', aliases: ['Londres', 'Londra'] }, 'Manchester', 'Birmingham', 'Liverpool', 'Leeds', 'Glasgow',
  { name: 'Edinburgh', aliases: ['Edimburgo'] }, 'Bristol', 'Sheffield', 'Newcastle', 'Cardiff', 'Belfast',
  'Nottingham', 'Leicester', 'Southampton', 'Brighton', 'Oxford', 'Cambridge', 'Coventry', 'Aberdeen',
  'Plymouth', 'Norwich', 'Portsmouth',
  // United States
  { name: 'New York', aliases: ['NYC', 'Nueva York', 'New York City'] }, { name: 'Los Angeles', aliases: ['Los Ángeles'] },
  'Chicago', 'Houston', 'Phoenix', 'Philadelphia', 'San Antonio', 'San Diego', 'Dallas', 'San Jose',
  'Jacksonville', 'Fort Worth', 'Columbus', 'San Francisco', 'Indianapolis', 'Seattle', 'Denver',
  'Washington', 'Boston', 'Nashville', 'Detroit', 'Portland', 'Las Vegas', { name: 'Miami', aliases: ['Miami Beach'] },
  'Atlanta', 'Minneapolis', 'New Orleans', 'Orlando', 'Tampa', 'Baltimore', 'Milwaukee', 'Sacramento',
  'Pittsburgh', 'Cincinnati', 'Salt Lake City',
]
