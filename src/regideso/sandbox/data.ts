import type { Centimes } from '../../money';
import type { Province } from '../../provinces';

/**
 * The sandbox REGIDESO's subscribers. Subscriber 83262 and bill 108776771 are the API document's
 * own example, so what a developer reads there is what the sandbox answers. Bills are stored
 * newest first on purpose: REGIDESO's order is not promised, the client must sort.
 */
export interface DemoBill {
  faeId: string;
  billNumber: string;
  /** `YYYY-MM-DD` */
  issuedOn: string;
  amountCentimes: Centimes;
  paidCentimes: Centimes;
}

export interface DemoSubscriber {
  refClient: string;
  /** As REGIDESO stores it, trailing space included. */
  name: string;
  province: Province;
  agency: string;
  bills: readonly DemoBill[];
}

function bill(faeId: string, billNumber: string, issuedOn: string, amountCentimes: Centimes, paidCentimes = 0): DemoBill {
  return { faeId, billNumber, issuedOn, amountCentimes, paidCentimes };
}

/** Fourteen months of unpaid bills, June 2023 to July 2024, amounts varying like real consumption. */
function fourteenUnpaidMonths(): DemoBill[] {
  const out: DemoBill[] = [];
  for (let i = 13; i >= 0; i--) {
    const month = new Date(Date.UTC(2023, 5 + i + 1, 0)); // last day of the month
    const issuedOn = month.toISOString().slice(0, 10);
    const amount = 1_200_000 + ((i * 73_421) % 650_000) + i * 7;
    out.push(bill(String(208_114_300 + i), `70315${String(23_601_000 + i)}`, issuedOn, amount));
  }
  return out;
}

export const DEMO_SUBSCRIBERS: readonly DemoSubscriber[] = [
  {
    refClient: '83262',
    name: 'MUKEBA MUKEBA ',
    province: 'KIN',
    agency: 'MONT-NGAFULA',
    bills: [
      bill('108776775', '8326224601545', '2024-07-31', 1_903_412),
      bill('108776774', '8326224601544', '2024-06-30', 1_822_050),
      bill('108776773', '8326224601543', '2024-05-31', 1_755_000, 500_000),
      bill('108776772', '8326224601542', '2024-04-30', 1_698_321),
      bill('108776771', '8326224601541', '2024-03-31', 1_786_557),
      bill('108776770', '8326224601540', '2024-02-29', 1_654_489, 1_654_489),
      bill('108776769', '8326224601539', '2024-01-31', 1_598_200, 1_598_200),
    ],
  },
  {
    refClient: '41007',
    name: 'KAHINDO MASIKA',
    province: 'NK',
    agency: 'GOMA-HIMBI',
    bills: [
      bill('306112409', '4100724700412', '2024-07-31', 2_431_075),
      bill('306112408', '4100724700411', '2024-06-30', 2_250_000, 2_245_450),
      bill('306112407', '4100724700410', '2024-05-31', 2_118_930, 2_118_930),
    ],
  },
  {
    refClient: '55120',
    name: 'LUKUSA TSHIBANDA',
    province: 'KAT',
    agency: 'LUBUMBASHI-KAMPEMBA',
    bills: [
      bill('405220013', '5512024500213', '2024-07-31', 3_120_440, 3_120_440),
      bill('405220012', '5512024500212', '2024-06-30', 2_987_100, 2_987_100),
      bill('405220011', '5512024500211', '2024-05-31', 3_004_260, 3_004_260),
    ],
  },
  {
    refClient: '70315',
    name: 'NZUZI MAKIADI',
    province: 'KC',
    agency: 'MATADI',
    bills: fourteenUnpaidMonths(),
  },
  {
    refClient: '91844',
    name: 'NGALULA-MBUYAMBA KABEYA TSHIMANGA WA MUTOMBO',
    province: 'KIN',
    agency: 'LIMETE',
    bills: [
      bill('112903318', '9184424601219', '2024-07-31', 12_543_000),
      bill('112903317', '9184424601218', '2024-06-30', 9_876_543, 1_000_000),
    ],
  },
  {
    // Nine unpaid months, November 2023 to July 2024: the bench measures a session's memory at its bills.
    refClient: '62190',
    name: 'MBUYI KALALA',
    province: 'KIN',
    agency: 'LEMBA',
    bills: ['2024-07-31', '2024-06-30', '2024-05-31', '2024-04-30', '2024-03-31', '2024-02-29', '2024-01-31', '2023-12-31', '2023-11-30'].map((d, i) =>
      bill(String(115_600_109 - i), `6219024601${String(309 - i)}`, d, 1_450_000 + i * 12_345),
    ),
  },
];

/** One line per demo subscriber, for the README and the sandbox's start-up banner. */
export const DEMO_SUBSCRIBER_GUIDE: ReadonlyArray<{ refClient: string; province: Province; what: string }> = [
  { refClient: '83262', province: 'KIN', what: "the API document's subscriber: 5 unpaid bills (one part-paid), 2 paid" },
  { refClient: '41007', province: 'NK', what: 'Nord-Kivu: 1 unpaid bill, 1 with 45,50 CDF left, 1 paid' },
  { refClient: '55120', province: 'KAT', what: 'every bill paid: nothing to pay' },
  { refClient: '70315', province: 'KC', what: '14 unpaid bills: list paging' },
  { refClient: '91844', province: 'KIN', what: 'a 44-character name and six-figure amounts: screen and SMS lengths' },
  { refClient: '62190', province: 'KIN', what: "9 unpaid bills: the bench's session memory at the bills screen" },
];
