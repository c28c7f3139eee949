"""``python -m scripts.eng5``: the ENG5 research runner's command line."""

from scripts.eng5.cli import main

if __name__ == "__main__":
    main()
