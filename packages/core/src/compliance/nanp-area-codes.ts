/*
 * North American Numbering Plan geographic area codes → IANA time zone: every US and Canadian area
 * code in service or already assigned as an overlay, plus the US territories and the Caribbean
 * countries of the plan. Non-geographic codes (800, 888, 900, 500, 700, …) are deliberately absent.
 *
 * One line per zone, then the area codes whose dominant (most populous) zone it is. Eastern Indiana,
 * Michigan and the Louisville area use their own tz names (identical to `America/New_York` today),
 * as zone.tab does.
 */
const DOMINANT = `
America/New_York 201 202 203 207 212 215 216 220 223 227 229 234 239 240 252 267 272 276 283 301 302 304 305 315 321 324 326 329 330 332 336 339 347 351 352 363 380 386 401 404 407 410 412 413 419 423 434 436 440 443 445 470 472 475 478 484 508 513 516 518 540 551 561 567 570 571 582 585 603 606 607 609 610 614 617 624 631 640 645 646 656 667 678 680 681 686 689 703 704 706 716 717 718 724 727 728 732 740 743 754 757 762 770 771 772 774 781 786 802 803 804 813 814 821 826 828 835 838 839 843 845 848 854 856 857 859 860 862 863 864 865 878 904 908 910 912 914 917 919 929 934 937 941 943 948 954 959 973 978 980 984
America/Detroit 231 248 269 313 517 586 616 679 734 810 906 947 989
America/Indiana/Indianapolis 260 317 463 574 765 812 930
America/Kentucky/Louisville 502
America/Chicago 205 210 214 217 218 219 224 225 228 235 251 254 256 262 270 274 281 308 309 312 314 316 318 319 320 325 327 331 334 337 346 353 361 364 402 405 409 414 417 430 432 447 448 464 469 479 501 504 507 512 515 531 534 539 557 563 572 573 580 601 605 608 612 615 618 620 629 630 636 641 651 659 660 662 682 701 708 712 713 715 726 730 731 737 763 769 773 779 785 806 815 816 817 830 832 847 850 861 870 872 901 903 913 918 920 924 931 936 938 940 945 952 956 972 975 979 985
America/Denver 303 307 385 406 435 505 575 719 720 801 915 957 970 983
America/Boise 208 986
America/Phoenix 480 520 602 623 928
America/Los_Angeles 206 209 213 253 279 310 323 341 350 360 369 408 415 424 425 442 458 503 509 510 530 541 559 562 564 619 626 628 650 657 661 669 702 707 714 725 738 747 760 775 805 818 820 831 840 858 909 916 925 949 951 971
America/Anchorage 907
Pacific/Honolulu 808
America/St_Johns 709 879
America/Halifax 782 902
America/Moncton 428 506
America/Toronto 226 249 263 289 343 354 365 367 382 416 418 437 438 450 468 514 519 548 579 581 613 647 683 705 742 753 807 819 873 905 942
America/Winnipeg 204 431 584
America/Regina 306 474 639
America/Edmonton 368 403 587 780 825 867
America/Vancouver 236 250 257 604 672 778
America/Puerto_Rico 787 939
America/St_Thomas 340
Pacific/Saipan 670
Pacific/Guam 671
Pacific/Pago_Pago 684
America/Nassau 242
America/Barbados 246
America/Anguilla 264
America/Antigua 268
America/Tortola 284
America/Cayman 345
Atlantic/Bermuda 441
America/Grenada 473
America/Grand_Turk 649
America/Jamaica 658 876
America/Montserrat 664
America/Lower_Princes 721
America/St_Lucia 758
America/Dominica 767
America/St_Vincent 784
America/Santo_Domingo 809 829 849
America/Port_of_Spain 868
America/St_Kitts 869
`

/*
 * Area codes that span more than one zone with a sizeable population on the other side, then those
 * other zones. The dominant zone above was chosen by population:
 * - 448/850 (Florida panhandle): Pensacola, Fort Walton Beach and Panama City (Central) outnumber
 *   Tallahassee (Eastern);
 * - 208/986 (Idaho): the south (Boise, Mountain) outnumbers the panhandle (Pacific);
 * - 812/930 (southern Indiana): Eastern, except the Evansville area (Central);
 * - 270/364 (western Kentucky): Central, except the Elizabethtown area (Eastern);
 * - 906 (Upper Peninsula): Eastern, except the four counties bordering Wisconsin (Central);
 * - 308 (Nebraska), 605 (South Dakota), 701 (North Dakota): Central, the west on Mountain time;
 * - 928 (northern Arizona): no DST, except the Navajo Nation (Mountain time with DST);
 * - 807 (northwestern Ontario): Thunder Bay (Eastern) outnumbers Kenora and Rainy River (Central);
 * - 250 (British Columbia outside Vancouver): Pacific, except the East Kootenay and the Peace River
 *   (Mountain time);
 * - 709/879 (Newfoundland and Labrador): Newfoundland time, most of Labrador on Atlantic time;
 * - 867 (the three territories): NWT (Mountain) first; Yukon (UTC-7 all year) and Nunavut (Eastern,
 *   Central, Mountain) too.
 * Smaller splits are not listed: 219/574 (Starke County, Central), 423 (Marion and Sequatchie,
 * Central), 606 (a few Central counties), 541/458 (Malheur County, Mountain), 620/785 (four Kansas
 * counties, Mountain), 432 (two Texas counties, Mountain), 775 (West Wendover, Mountain), 418
 * (Magdalen Islands and Blanc-Sablon, Atlantic), 306/639 (Lloydminster, Mountain).
 */
const OTHERS = `
448 850 America/New_York
208 986 America/Los_Angeles
812 930 America/Chicago
270 364 America/New_York
906 America/Menominee
308 605 701 928 America/Denver
807 America/Winnipeg
250 America/Edmonton
709 879 America/Goose_Bay
867 America/Whitehorse America/Iqaluit America/Rankin_Inlet
`

let table: Map<string, readonly string[]> | undefined

function areaCodeTable(): Map<string, readonly string[]> {
  if (table === undefined) {
    const parsed = new Map<string, string[]>()
    for (const line of DOMINANT.split('\n')) {
      const [zone, ...codes] = line.trim().split(' ')
      if (zone === undefined || zone === '') continue
      for (const code of codes) parsed.set(code, [zone])
    }
    for (const line of OTHERS.split('\n')) {
      const words = line.trim().split(' ')
      const codes = words.filter((word) => /^\d{3}$/.test(word))
      const zones = words.filter((word) => word.includes('/'))
      for (const code of codes) parsed.get(code)?.push(...zones)
    }
    table = new Map([...parsed].map(([code, zones]) => [code, Object.freeze(zones)]))
  }
  return table
}

/**
 * Every North American Numbering Plan area code this module knows, in ascending order (US, Canada,
 * the US territories and the Caribbean countries of the plan; geographic codes only).
 */
export function nanpAreaCodes(): string[] {
  return [...areaCodeTable().keys()].sort()
}

/**
 * The IANA time zone of a North American Numbering Plan area code (three digits, e.g. `212` →
 * `America/New_York`). For an area code that spans two zones it is the zone where most of its
 * people live; {@link nanpAreaCodeTimeZones} lists the others too. `undefined` for an unknown or
 * non-geographic code (800, 888, …).
 */
export function nanpAreaCodeTimeZone(areaCode: string): string | undefined {
  return areaCodeTable().get(areaCode)?.[0]
}

/**
 * Every IANA time zone an area code's numbers may be in: the dominant one first (see
 * {@link nanpAreaCodeTimeZone}), then the zones of a sizeable part of the area (e.g. `850` →
 * `America/Chicago`, `America/New_York`). Empty for an unknown or non-geographic code.
 */
export function nanpAreaCodeTimeZones(areaCode: string): readonly string[] {
  return areaCodeTable().get(areaCode) ?? []
}

/**
 * The area code of a `+1` number in E.164 form (`+12125551234` → `212`), or `undefined` when the
 * number is not a North American Numbering Plan number.
 */
export function nanpAreaCode(e164: string): string | undefined {
  return /^\+1([2-9]\d\d)\d{7}$/.exec(e164)?.[1]
}
