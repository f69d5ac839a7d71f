from funnelgen.cli import main

main()
