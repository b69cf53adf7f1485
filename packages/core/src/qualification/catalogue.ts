/**
 * One thing a business sells or a need it answers, with the words people use for it in any
 * language. Matching is accent- and case-insensitive, on whole words; a final `s`/`es` is accepted
 * (write other plural forms as their own terms: "divani", "sedie").
 */
export interface CatalogueEntry {
  /** The name reported in reasons, e.g. `sofa`. */
  name: string
  /** The words and phrases that mean it ("sofá", "divano", "couch", "sofa bed"). */
  terms: readonly string[]
  /**
   * `product` (the default): a specific product or need, reported as `productInterest`;
   * `general`: a general interest (a price, a quote, buying, information) that makes a lead warm
   * but not hot.
   */
  kind?: 'product' | 'general'
}

/**
 * The default catalogue: furniture and home goods, rooms to furnish and made-to-measure work as
 * specific needs, plus general interests (price, quote, buying, information, catalogue,
 * availability, offers, visiting the shop) in Spanish, Italian and English. Replace it with your
 * own, or extend it: `catalogue: [...DEFAULT_CATALOGUE, { name: 'sauna', terms: ['sauna'] }]`.
 */
// biome-ignore format: word lists read better packed, several to a line
export const DEFAULT_CATALOGUE: readonly CatalogueEntry[] = [
  {
    name: 'sofa',
    terms: [
      'sofá', 'sofa', 'sofás', 'sofa cama', 'sofá cama', 'sofá rinconera', 'rinconera', 'chaise longue',
      'chaiselongue', 'sofá chaise longue', 'tresillo', 'divano', 'divani', 'divano letto', 'divani letto',
      'divano angolare', 'divanetto', 'couch', 'couches', 'settee', 'sofa bed', 'corner sofa', 'sectional',
      'loveseat', 'love seat',
    ],
  },
  {
    name: 'armchair',
    terms: [
      'sillón', 'sillones', 'butaca', 'butacas', 'sillón relax', 'sillón reclinable', 'poltrona', 'poltrone',
      'poltroncina', 'poltrona relax', 'poltrona reclinabile', 'armchair', 'recliner', 'recliner chair',
    ],
  },
  {
    name: 'bed',
    terms: [
      'cama', 'camas', 'cama de matrimonio', 'cama individual', 'canapé', 'canapé abatible', 'somier', 'cabecero',
      'litera', 'literas', 'cuna', 'letto', 'letti', 'letto matrimoniale', 'letto singolo', 'letto contenitore',
      'letto a castello', 'testiera', 'testata del letto', 'culla', 'bed', 'double bed', 'king size bed',
      'single bed', 'bunk bed', 'headboard', 'bed frame', 'crib', 'cot',
    ],
  },
  {
    name: 'mattress',
    terms: [
      'colchón', 'colchones', 'colchon', 'almohada', 'almohadas', 'topper', 'materasso', 'materassi', 'guanciale',
      'guanciali', 'mattress', 'pillow',
    ],
  },
  {
    name: 'table',
    terms: [
      'mesa', 'mesas', 'mesa de comedor', 'mesa de centro', 'mesa extensible', 'mesita', 'mesita de noche',
      'escritorio', 'escritorios', 'tavolo', 'tavoli', 'tavolo da pranzo', 'tavolino', 'tavolini', 'tavolo allungabile',
      'comodino', 'comodini', 'scrivania', 'scrivanie', 'table', 'dining table', 'coffee table', 'side table',
      'bedside table', 'nightstand', 'desk', 'extendable table',
    ],
  },
  {
    name: 'chair',
    terms: [
      'silla', 'sillas', 'silla de oficina', 'taburete', 'taburetes', 'sedia', 'sedie', 'sedia da ufficio',
      'sgabello', 'sgabelli', 'chair', 'dining chairs', 'office chair', 'stool', 'bar stool',
    ],
  },
  {
    name: 'wardrobe',
    terms: [
      'armario', 'armarios', 'armario empotrado', 'vestidor', 'armadio', 'armadi', 'armadio a muro',
      'cabina armadio', 'guardaroba', 'wardrobe', 'closet', 'fitted wardrobe', 'walk-in closet', 'walk in wardrobe',
    ],
  },
  {
    name: 'storage',
    terms: [
      'estantería', 'estanterías', 'librería', 'aparador', 'aparadores', 'mueble de tv', 'mueble tv', 'mueble bar',
      'cómoda', 'cómodas', 'zapatero', 'recibidor', 'vitrina', 'libreria', 'librerie', 'credenza', 'madia',
      'mobile tv', 'mobile porta tv', 'porta tv', 'comò', 'cassettiera', 'scarpiera', 'vetrina', 'bookcase',
      'bookshelf', 'bookshelves', 'shelving', 'shelves', 'sideboard', 'tv unit', 'tv stand', 'chest of drawers', 'dresser',
      'shoe cabinet', 'display cabinet',
    ],
  },
  {
    name: 'kitchen',
    terms: [
      'cocina', 'cocinas', 'muebles de cocina', 'encimera', 'isla de cocina', 'cucina', 'cucine', 'cucina componibile',
      'piano cucina', 'penisola', 'kitchen', 'kitchen units', 'fitted kitchen', 'worktop', 'countertop',
      'kitchen island',
    ],
  },
  {
    name: 'bathroom',
    terms: [
      'mueble de baño', 'muebles de baño', 'mobile bagno', 'mobili bagno', 'mobile da bagno', 'bathroom vanity',
      'bathroom cabinet', 'bathroom furniture', 'vanity unit',
    ],
  },
  {
    name: 'lighting',
    terms: [
      'lámpara', 'lámparas', 'lampara', 'plafón', 'aplique', 'lampada', 'lampade', 'lampadario', 'lampadari',
      'piantana', 'lamp', 'lamps', 'chandelier', 'floor lamp', 'ceiling light', 'pendant light',
    ],
  },
  {
    name: 'textiles',
    terms: [
      'alfombra', 'alfombras', 'cortina', 'cortinas', 'cojín', 'cojines', 'ropa de cama', 'edredón', 'funda nórdica',
      'tappeto', 'tappeti', 'tenda', 'tende', 'tendaggi', 'cuscino', 'cuscini', 'piumone', 'biancheria',
      'rug', 'carpet', 'curtain', 'curtains', 'cushion', 'cushions', 'duvet', 'bedding',
    ],
  },
  {
    name: 'outdoor',
    terms: [
      'muebles de jardín', 'mueble de jardín', 'muebles de exterior', 'muebles de terraza', 'tumbona', 'tumbonas',
      'pérgola', 'mobili da giardino', 'mobili da esterno', 'arredo giardino', 'arredo esterno', 'sdraio',
      'lettino', 'lettini', 'pergola', 'gazebo', 'garden furniture', 'outdoor furniture', 'patio furniture',
      'patio set', 'sun lounger', 'sun loungers',
    ],
  },
  {
    name: 'decoration',
    terms: [
      'decoración', 'artículos de decoración', 'jarrón', 'jarrones', 'cuadro', 'cuadros', 'espejo', 'espejos',
      'marco de fotos', 'marcos de fotos', 'velas', 'oggettistica', 'decorazioni', "complementi d'arredo",
      'vaso', 'vasi', 'quadro', 'quadri', 'specchio', 'specchi', 'cornice', 'cornici', 'candele', 'homeware',
      'home decor', 'decor', 'vase', 'picture frame', 'mirror', 'candles', 'wall art',
    ],
  },
  {
    name: 'home improvement',
    terms: [
      'parquet', 'tarima', 'suelo laminado', 'puerta', 'puertas', 'ventana', 'ventanas', 'persiana', 'persianas',
      'papel pintado', 'pavimento', 'porte', 'finestra', 'finestre', 'tapparelle', 'carta da parati',
      'flooring', 'laminate', 'door', 'blinds', 'wallpaper',
    ],
  },
  {
    name: 'office furniture',
    terms: [
      'mobiliario de oficina', 'muebles de oficina', 'mobili per ufficio', 'mobili da ufficio', 'arredo ufficio',
      'office furniture',
    ],
  },
  {
    name: 'room to furnish',
    terms: [
      'amueblar', 'amueblar el salón', 'amueblar el piso', 'amueblar la casa', 'decorar el salón', 'salón',
      'dormitorio', 'comedor', 'habitación de matrimonio', 'habitación infantil', 'arredare', 'arredamento completo',
      'soggiorno', 'salotto', 'camera da letto', 'cameretta', 'sala da pranzo', 'furnish', 'furnishing',
      'living room', 'bedroom', 'dining room', 'home office', 'nursery', 'reforma', 'ristrutturazione',
      'renovation', 'refurbishment', 'fit out',
    ],
  },
  {
    name: 'made to measure',
    terms: ['a medida', 'hecho a medida', 'su misura', 'su misura', 'made to measure', 'custom made', 'bespoke'],
  },
  {
    name: 'quote',
    kind: 'general',
    terms: [
      'presupuesto', 'presupuestos', 'cotización', 'preventivo', 'preventivi', 'quotazione', 'quote', 'quotation',
      'estimate',
    ],
  },
  {
    name: 'price',
    kind: 'general',
    terms: [
      'precio', 'precios', 'cuánto cuesta', 'cuánto cuestan', 'cuánto vale', 'cuánto valen', 'cuánto sale',
      'tarifa', 'tarifas', 'coste', 'costo', 'prezzo', 'prezzi', 'quanto costa', 'quanto costano', 'quanto viene',
      'quanto vengono', 'listino', 'costi', 'price', 'prices', 'pricing', 'how much', 'cost', 'costs', 'rates',
    ],
  },
  {
    name: 'buy',
    kind: 'general',
    terms: [
      'comprar', 'compraros', 'adquirir', 'hacer un pedido', 'encargar', 'comprare', 'acquistare', 'acquisto',
      'fare un ordine', 'ordinare', 'buy', 'buying', 'purchase', 'place an order', 'get one',
    ],
  },
  {
    name: 'delivery',
    kind: 'general',
    terms: [
      'hacéis envíos', 'enviáis', 'envíos a', 'envío a', 'entregáis', 'fate consegne', 'consegnate', 'spedite',
      'spedizione a', 'consegna a', 'do you deliver', 'deliver to', 'delivery to', 'do you ship', 'ship to',
      'delivery cost', 'gastos de envío', 'spese di spedizione',
    ],
  },
  {
    name: 'range',
    kind: 'general',
    terms: [
      'vendéis', 'venden', 'tenéis', 'tienen', 'opciones', 'ideas', 'vendete', 'vendono', 'avete', 'opzioni', 'idee',
      'do you sell', 'do you do', 'do you have', 'have you got', 'options',
    ],
  },
  {
    name: 'information',
    kind: 'general',
    terms: [
      'información', 'informacion', 'info', 'infos', 'informarme', 'detalles', 'más datos', 'informazioni',
      'informazione', 'dettagli', 'information', 'details', 'more info', 'tell me more', 'saber más',
      'sapere di più', 'know more',
    ],
  },
  {
    name: 'catalogue',
    kind: 'general',
    terms: [
      'catálogo', 'catalogo', 'cataloghi', 'catalogue', 'catalog', 'brochure', 'modelos', 'modelli', 'models',
      'colores', 'colori', 'colours', 'colors', 'medidas', 'misure', 'sizes', 'dimensions', 'tejidos', 'tessuti',
      'fabrics', 'acabados', 'finiture', 'finishes', 'muestras', 'campioni', 'samples',
    ],
  },
  {
    name: 'availability',
    kind: 'general',
    terms: [
      'disponible', 'disponibles', 'disponibilidad', 'en stock', 'stock', 'disponibile', 'disponibili',
      'disponibilità', 'available', 'availability', 'in stock',
    ],
  },
  {
    name: 'offers',
    kind: 'general',
    terms: [
      'oferta', 'ofertas', 'promoción', 'promociones', 'descuento', 'descuentos', 'rebajas', 'financiación',
      'offerta', 'offerte', 'promozione', 'promozioni', 'sconto', 'sconti', 'saldi', 'finanziamento', 'offer',
      'offers', 'deal', 'deals', 'discount', 'discounts', 'sale', 'financing', 'finance',
    ],
  },
  {
    name: 'visit',
    kind: 'general',
    terms: [
      'exposición', 'showroom', 'visitaros', 'visitar', 'pasar por la tienda', 'ir a la tienda', 'horario',
      'horarios', 'abrís', 'abren', 'cerráis', 'cierran', 'abiertos', 'abierto', 'abierta', 'are you open', 'open today', 'a qué hora * abre', 'a qué hora * cierra', 'esposizione',
      'visitare', 'passare in negozio', 'venire in negozio', 'orari', 'orario', 'aperti', 'aprite', 'chiudete',
      'a che ora * apre', 'a che ora * chiude', 'visit', 'opening hours', 'opening times', 'closing time', 'open on',
      'what time * open', 'what time * close', 'come to the store', 'come in store',
    ],
  },
  {
    name: 'interest',
    kind: 'general',
    terms: [
      'interesado', 'interesada', 'interesados', 'me interesa', 'nos interesa', 'interesaría', 'busco', 'buscamos',
      'buscando', 'necesito', 'necesitamos', 'interessato', 'interessata', 'interessati', 'mi interessa',
      'ci interessa', 'cerco', 'cerchiamo', 'cercando', 'ho bisogno', 'abbiamo bisogno', 'mi serve', 'ci serve',
      'interested', 'interest', 'looking for', 'i need', 'we need', 'after a', 'searching for', 'in the market for',
    ],
  },
]
