#!/usr/bin/env python3
"""Date normalisation data: each line is "a date as people write it<TAB>YYYY-MM-DD".

    3rd of March 1998         1998-03-03
    03/03/98                  1998-03-03
    Tuesday, March 3rd, 1998  1998-03-03
    19980303                  1998-03-03

Conventions (the data has to pick one answer for every string):
  - Numeric dates with the year last are DAY first: 04/03/1998 is 4 March 1998 (as in most
    of the world, not the US month-first reading). Year-first numbers are year-month-day.
  - Two-digit years are 1950-2049: 50-99 -> 1950-1999, 00-49 -> 2000-2049. Dates written
    with a two-digit year are drawn from those years only; four-digit years span 1900-2099.
  - Month names are English, full or three-letter (plus "Sept"), in Title, UPPER or lower
    case; a weekday, when written, is the true weekday of that date.

Seeded, so every run makes the same files. The split is by calendar date, not by line: a
date in dev.tsv or test.tsv never appears in train.tsv in any format, so the test score
measures generalisation to unseen dates, not recall of seen ones.
"""
import argparse
import datetime
import random

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def ordinal(day):
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def two_digit_year_ok(date):
    return 1950 <= date.year <= 2049


# Each format: (needs a two-digit-year date, function of (date, rng) -> string).
def formats():
    def month(d, rng):
        name = MONTHS[d.month - 1]
        short = "Sept" if d.month == 9 and rng.random() < 0.3 else name[:3]
        return rng.choice([name, short])

    def cased(text, rng):
        r = rng.random()
        return text.upper() if r < 0.15 else text.lower() if r < 0.3 else text

    def weekday(d, rng):
        name = WEEKDAYS[d.weekday()]
        return rng.choice([name, name[:3]])

    def yy(d):
        return f"{d.year % 100:02d}"

    def dd(d, rng):  # day with or without a leading zero
        return rng.choice([f"{d.day}", f"{d.day:02d}"])

    def mm(d, rng):
        return rng.choice([f"{d.month}", f"{d.month:02d}"])

    return [
        # ISO-ish, year first.
        (False, lambda d, r: d.isoformat()),
        (False, lambda d, r: f"{d.year}/{d.month:02d}/{d.day:02d}"),
        (False, lambda d, r: f"{d.year}.{d.month:02d}.{d.day:02d}"),
        (False, lambda d, r: f"{d.year}{d.month:02d}{d.day:02d}"),
        (False, lambda d, r: f"{d.year}-{d.month}-{d.day}"),
        # Numeric, day first.
        (False, lambda d, r: f"{dd(d, r)}/{mm(d, r)}/{d.year}"),
        (False, lambda d, r: f"{d.day:02d}.{d.month:02d}.{d.year}"),
        (False, lambda d, r: f"{dd(d, r)}-{mm(d, r)}-{d.year}"),
        (True, lambda d, r: f"{d.day:02d}/{d.month:02d}/{yy(d)}"),
        (True, lambda d, r: f"{dd(d, r)}/{mm(d, r)}/{yy(d)}"),
        (True, lambda d, r: f"{d.day:02d}.{d.month:02d}.{yy(d)}"),
        # Day, month name, year.
        (False, lambda d, r: cased(f"{d.day} {month(d, r)} {d.year}", r)),
        (True, lambda d, r: cased(f"{d.day} {month(d, r)} {yy(d)}", r)),
        (True, lambda d, r: cased(f"{d.day:02d}-{month(d, r)[:3]}-{yy(d)}", r)),
        (False, lambda d, r: cased(f"{d.day}-{month(d, r)[:3]}-{d.year}", r)),
        (False, lambda d, r: cased(f"{ordinal(d.day)} of {month(d, r)} {d.year}", r)),
        (False, lambda d, r: cased(f"the {ordinal(d.day)} of {month(d, r)}, {d.year}", r)),
        (False, lambda d, r: cased(f"{ordinal(d.day)} {month(d, r)} {d.year}", r)),
        # Month name, day, year.
        (False, lambda d, r: cased(f"{month(d, r)} {d.day}, {d.year}", r)),
        (False, lambda d, r: cased(f"{month(d, r)} {ordinal(d.day)}, {d.year}", r)),
        (False, lambda d, r: cased(f"{month(d, r)} {d.day} {d.year}", r)),
        (True, lambda d, r: cased(f"{month(d, r)} {d.day}, '{yy(d)}", r)),
        # With the weekday.
        (False, lambda d, r: cased(f"{weekday(d, r)}, {month(d, r)} {ordinal(d.day)}, {d.year}",
                                   r)),
        (False, lambda d, r: cased(f"{weekday(d, r)}, {d.day} {month(d, r)} {d.year}", r)),
        (False, lambda d, r: cased(f"{weekday(d, r)} {d.day} {month(d, r)[:3]} {d.year}", r)),
        (True, lambda d, r: cased(f"{weekday(d, r)[:3]} {d.day:02d}/{d.month:02d}/{yy(d)}", r)),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="directory for train.tsv, dev.tsv, test.tsv")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--train", type=int, default=30000)
    parser.add_argument("--dev", type=int, default=300)
    parser.add_argument("--test", type=int, default=1000)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    first, last = datetime.date(1900, 1, 1), datetime.date(2099, 12, 31)
    calendar = [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)]
    rng.shuffle(calendar)
    # One date, one line in the held-out sets; training draws from the rest.
    held_out = args.dev + args.test
    splits = {"dev": calendar[:args.dev], "test": calendar[args.dev:held_out]}
    train_dates = calendar[held_out:]
    splits["train"] = [rng.choice(train_dates) for _ in range(args.train)]

    all_formats = formats()
    for name in ("train", "dev", "test"):
        with open(f"{args.out}/{name}.tsv", "w") as out:
            for date in splits[name]:
                usable = [f for needs_yy, f in all_formats
                          if not needs_yy or two_digit_year_ok(date)]
                out.write(f"{rng.choice(usable)(date, rng)}\t{date.isoformat()}\n")


if __name__ == "__main__":
    main()
