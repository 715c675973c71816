from fairscreen.entrypoints.cli import main

main()
