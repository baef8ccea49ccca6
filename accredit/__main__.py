from accredit.cli import main

raise SystemExit(main())
