// Package tariff is Clockroom's tariff engine: the pure core that states a
// venue's prices and prices a stay with them, explained line by line. It
// does no I/O, keeps no global state and reads no clock: callers pass the
// stay's times, the venue's *time.Location and, for a live quote, now.
// Money is int64 minor units of the venue's currency throughout.
//
// # Pricing
//
// A Tariff states rate steps by time already spent (Steps), calendar
// windows that switch the steps or multiply them (Windows), a first period
// due in full, grace, a time step, a minimum charge, caps per window
// occurrence, per day (business day, with weekday and weekend values, or
// per started 24 hours) and per stay, passes and packs (Passes) with an
// extension rate after them, and groups of guests (Groups).
//
// Tariff.Price prices a Stay — one or more visits of a night, priced as one
// bill — at its best price: the cheapest of the meter and every pass, each
// one an Option of the Bill. The Bill's Lines explain it and sum exactly to
// its Total. Tariff.PriceAdded says what the last visit added to the night;
// Tariff.Quote prices an open stay at now, with the next change and the
// pass that would save money. A Formatter renders bills and quotes for
// people in the venue's currency and locale (CLDR data).
//
// Rules the engine interprets:
//
//   - Time spent is real elapsed time (DST changes count as the clock
//     says), all visits together, gaps not counted. It is cut into units of
//     the time step from arrival; the last unit started is billed whole.
//   - A unit is priced by what holds at its start: a rate change at 18:00
//     takes effect from the first unit starting at or after 18:00.
//   - Steps count time spent in the stay, in and out of windows alike; a
//     window's own steps do too. A block rate counts its started blocks
//     from where the run of units at that rate began (an extension from the
//     end of the pass's cover).
//   - A window cap bounds what one occurrence of the window costs, a day
//     cap what a business day costs after window caps; both count the
//     meter, the first period and extensions, not a pass's price. Then the
//     minimum raises the total, then the stay cap and the started-24-hours
//     cap lower it. A multiplier or discount is rounded half up, once a line.
//   - The first period is due when the stay's first unit is metered (not
//     when a pass covers the stay from arrival).
//   - A pass offered (not bought) covers, from arrival: its minutes of time
//     spent, or the next occurrence of its window that ends after arrival,
//     or the business day of arrival. A pass bought covers from arrival to
//     the end of what it covers counted from its purchase (it absorbs what
//     the meter counted before). Before its cover the meter runs, after it
//     the extension rate (or the meter). Every pass is an option, bought or
//     not, so the guest pays the cheapest: a bought pass that the meter beats
//     is not charged (the caller refunds or credits it).
//   - A group's percentage comes off the best price, as a line; a group with
//     a tariff of its own is priced by that tariff.
//
// # JSON format
//
// Tariffs export and import as one JSON file (Marshal, Unmarshal), kept
// stable for version control: fields always in the order below, weekdays
// Monday first, absent optional fields left out. testdata/standard.json is
// an example. Amounts are integers in minor units (pence, cents, yen);
// lengths are whole minutes; times of day are local "HH:MM" strings (24-hour,
// "00:00" to "23:59"); multipliers and discounts are basis points
// (10000 = ×1 or 100 %). Unknown fields are an error, not ignored.
//
//	{
//	  "format": "clockroom.tariffs/1",     // required, this exact string
//	  "tariffs": [{
//	    "name": "Standard",                // required, at most 100 characters
//	    "version": 3,                      // the caller's version number
//	    "currency": "GBP",                 // optional ISO 4217 code
//	    "grace_minutes": 5,                // a stay this short is free
//	    "time_step_minutes": 1,            // 1, 5, 10 or 15 (default 1), rounded up
//	    "day_start": "04:00",              // when the business day begins (default 00:00)
//	    "first_period": {"minutes": 60, "price": 500},   // due in full
//	    "steps": [                         // by minutes already spent, in order
//	      {"from_minute": 0, "per_minute": 7},
//	      {"from_minute": 60, "block_price": 100, "block_minutes": 10}
//	    ],
//	    "windows": [{                      // may not overlap one another
//	      "name": "Evening",
//	      "days": ["fri", "sat"],          // mon tue wed thu fri sat sun; absent: every day
//	      "start": "18:00", "end": "02:00",// an end at or before the start is the next day
//	      "steps": [...],                  // its own steps, or else:
//	      "multiplier_bp": 15000,          // ×1.5 on the tariff's steps
//	      "cap": 1000                      // optional: one occurrence costs at most this
//	    }],
//	    "minimum_charge": 200,
//	    "caps": {
//	      "stay": 3000,                    // optional
//	      "day": {"weekday": 1500, "weekend": 1800,
//	              "weekend_days": ["sat", "sun"],  // the default
//	              "per": "business_day"}   // or "started_24h": cap × every started 24 h spent
//	    },
//	    "passes": [{
//	      "name": "3-hour pack",           // unique in the tariff
//	      "kind": "hours",                 // day, half_day, hours or night
//	      "price": 1100,
//	      "covers": {"minutes": 180, "from": "arrival"},   // exactly one of:
//	                                       // {"minutes": N, "from": "arrival"|"purchase"}
//	                                       // {"window": {"days": [...], "start": "22:00", "end": "08:00"}}
//	                                       // {"business_day": true}
//	      "extension": {"block_price": 100, "block_minutes": 10}  // optional rate after it
//	    }],
//	    "groups": [
//	      {"name": "student", "percent_off_bp": 2000},           // 20 % off
//	      {"name": "staff", "tariff": {"name": "Staff", ...}}    // a tariff of its own (no groups)
//	    ]
//	  }]
//	}
//
// A rate (a step's, or an extension) is {"per_minute": N} or
// {"block_price": N, "block_minutes": M} (N for every started M minutes);
// a step with neither is free. Unmarshal does not validate: call Validate,
// whose errors name fields by the same paths ("windows[1].start").
package tariff
