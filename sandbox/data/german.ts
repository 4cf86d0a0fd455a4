/** Word lists for realistic German demo data (umlauts and ß on purpose). */

export const FIRST_NAMES_F = [
  'Anna', 'Maria', 'Sophie', 'Lena', 'Jülide', 'Katharina', 'Hannah', 'Lea', 'Johanna', 'Clara',
  'Greta', 'Charlotte', 'Franziska', 'Sabine', 'Ursula', 'Brigitte', 'Renate', 'Monika', 'Petra', 'Ilse',
  'Jördis', 'Dörte', 'Käthe', 'Gülşen', 'Zoë', 'Marlène', 'Elif', 'Agnieszka', 'Svenja', 'Heike',
];

export const FIRST_NAMES_M = [
  'Jürgen', 'Jörg', 'Sören', 'Björn', 'Lukas', 'Felix', 'Maximilian', 'Paul', 'Jonas', 'Leon',
  'Thomas', 'Michael', 'Andreas', 'Stefan', 'Klaus', 'Günter', 'Hans-Peter', 'Karl-Heinz', 'Uwe', 'Dieter',
  'Matthias', 'Tobias', 'Florian', 'Sebastian', 'Timo', 'Mehmet', 'René', 'Frédéric', 'Piotr', 'Ole',
];

export const LAST_NAMES = [
  'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann',
  'Schäfer', 'Koch', 'Bauer', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Zimmermann',
  'Braun', 'Krüger', 'Hofmann', 'Hartmann', 'Lange', 'Schmitt', 'Werner', 'Schmitz', 'Krause', 'Meier',
  'Lehmann', 'Schmid', 'Schulze', 'Maier', 'Köhler', 'Herrmann', 'König', 'Walter', 'Mayer', 'Huber',
  'Kaiser', 'Fuchs', 'Peters', 'Lang', 'Scholz', 'Möller', 'Weiß', 'Jung', 'Hahn', 'Schubert',
  'Groß', 'Strauß', 'Weißmüller', 'Jäger', 'Böhm', 'Meißner', 'Günther', 'Förster', 'Brückner', 'Thürmer',
  "O'Connor", 'von Bülow', 'zu Löwenstein', 'Özdemir', 'Nguyễn', 'Kowalski',
];

export const SALUTATIONS = ['Herr', 'Frau', 'Herr Dr.', 'Frau Dr.', 'Divers', 'Herr Prof. Dr.'];

export const DEPARTMENTS = [
  'Einkauf', 'Verkauf', 'Buchhaltung', 'Geschäftsführung', 'Technik', 'Qualitätssicherung', 'Lager & Logistik',
  'Personal', 'Außendienst', 'Marketing', 'IT', 'Kundendienst', null, null,
];

export const COMPANY_STEMS = [
  'Bäckerei', 'Metallbau', 'Elektro', 'Sanitär', 'Holzbau', 'Druckerei', 'Autohaus', 'Gärtnerei',
  'Steuerbüro', 'Ingenieurbüro', 'Spedition', 'Brauerei', 'Fleischerei', 'Schreinerei', 'Möbelhaus',
  'Softwarehaus', 'Maschinenbau', 'Reisebüro', 'Apotheke', 'Zahnarztpraxis', 'Kanzlei', 'Getränkehandel',
];

export const COMPANY_FORMS = ['GmbH', 'GmbH & Co. KG', 'KG', 'OHG', 'e.K.', 'AG', 'GbR', 'UG (haftungsbeschränkt)', 'e.V.'];

/** [PLZ, Ort, Land] — real postcodes, some with a leading zero, two outside Germany. */
export const CITIES: [string, string, string][] = [
  ['10115', 'Berlin', 'DE'], ['80331', 'München', 'DE'], ['20095', 'Hamburg', 'DE'], ['50667', 'Köln', 'DE'],
  ['60311', 'Frankfurt am Main', 'DE'], ['70173', 'Stuttgart', 'DE'], ['40213', 'Düsseldorf', 'DE'],
  ['04109', 'Leipzig', 'DE'], ['01067', 'Dresden', 'DE'], ['90402', 'Nürnberg', 'DE'], ['28195', 'Bremen', 'DE'],
  ['30159', 'Hannover', 'DE'], ['44135', 'Dortmund', 'DE'], ['45127', 'Essen', 'DE'],
  ['79098', 'Freiburg im Breisgau', 'DE'], ['97070', 'Würzburg', 'DE'], ['86150', 'Augsburg', 'DE'],
  ['93047', 'Regensburg', 'DE'], ['99084', 'Erfurt', 'DE'], ['18055', 'Rostock', 'DE'], ['66111', 'Saarbrücken', 'DE'],
  ['06108', 'Halle (Saale)', 'DE'], ['55116', 'Mainz', 'DE'], ['24103', 'Kiel', 'DE'], ['37073', 'Göttingen', 'DE'],
  ['88045', 'Friedrichshafen', 'DE'], ['63739', 'Aschaffenburg', 'DE'], ['1010', 'Wien', 'AT'], ['8001', 'Zürich', 'CH'],
];

export const STREETS = [
  'Hauptstraße', 'Bahnhofstraße', 'Schloßallee', 'Königsweg', 'Gartenstraße', 'Dorfstraße', 'Schulstraße',
  'Lindenstraße', 'Mühlenweg', 'Am Bürgerpark', 'Friedrich-Ebert-Straße', 'Goethestraße', 'Schillerplatz',
  'Industriestraße', 'Kirchgäßchen', 'Rosenstraße', 'Großer Burstah', 'Äußere Laufer Gasse', 'Über den Höfen',
];

export const APPOINTMENT_SUBJECTS = [
  'Kundentermin', 'Besprechung Angebot', 'Projektbesprechung', 'Jour fixe', 'Außendiensttermin',
  'Schulung Warenwirtschaft', 'Messevorbereitung', 'Inventur', 'Jahresgespräch', 'Telefonkonferenz',
  'Abstimmung Lieferplan', 'Reklamation klären', 'Vorstellungsgespräch', 'Team-Frühstück', 'Übergabe Baustelle',
  'Steuerberater', 'Wartung Gabelstapler', 'Qualitätsaudit', 'Mittagessen mit Lieferant', 'Präsentation Großkunde',
];

export const TASK_SUBJECTS = [
  'Angebot nachfassen', 'Rechnung prüfen', 'Lieferschein ablegen', 'Mahnung schreiben', 'Preisliste aktualisieren',
  'Rückruf Kunde', 'Bestellung auslösen', 'Reisekosten abrechnen', 'Vertrag verlängern', 'Muster verschicken',
  'Stammdaten pflegen', 'Urlaubsantrag genehmigen', 'Gewährleistung prüfen', 'Kassenbuch abschließen',
];

export const FOLLOW_UP_SUBJECTS = [
  'Wiedervorlage Angebot', 'Wiedervorlage Mahnung', 'Kunde erneut anrufen', 'Vertragsende prüfen',
  'Zahlungseingang prüfen', 'Nachfassen Messekontakt', 'Wartungsvertrag erneuern',
];

export const LOCATIONS = [
  'Besprechungsraum 1', 'Büro Geschäftsführung', 'Werkhalle', 'beim Kunden', 'Teams-Besprechung',
  'Konferenzraum „Zugspitze“', 'Kantine', 'Lager Süd', 'Hotel Königshof, Saal 2', null, null, null,
];

export const INFO_SENTENCES = [
  'Bitte Unterlagen zur Besprechung mitbringen.',
  'Ansprechpartner ist die Geschäftsführung, Parkplätze vor dem Gebäude.',
  'Das Angebot über 12.500,00 € ist bis Monatsende gültig.',
  'Rückfragen bitte an die Buchhaltung (Durchwahl -23).',
  'Größere Änderungen am Lieferplan sind möglich.',
  'Anfahrt über die A9, Ausfahrt Nürnberg-Fischbach.',
  'Protokoll wird im Anschluss per E-Mail verschickt.',
  'Zugangscode für das Tor: 4711#',
  'Kaffee & Kuchen sind bestellt.',
  'Maße: 120 × 80 cm, Gewicht ≈ 25 kg.',
];

/** ä→ae, ß→ss …: the ASCII form of a name for e-mail addresses. */
export function transliterate(text: string): string {
  return text
    .replace(/ä/g, 'ae').replace(/ö/g, 'oe').replace(/ü/g, 'ue').replace(/ß/g, 'ss')
    .replace(/Ä/g, 'Ae').replace(/Ö/g, 'Oe').replace(/Ü/g, 'Ue')
    .normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    .replace(/ş/g, 's').replace(/ı/g, 'i')
    .replace(/[^A-Za-z0-9.-]+/g, '');
}
