"""The planner's plan in the non-converging scenarios: a realistic length
(about a hundred words) in which each revision changes one word, so that
successive plans are near-duplicates, not copies."""


def plan(n):
    return (f"Launch plan, revision {n}. Step 1: research the audience and collect the three "
            "questions readers ask most often about the product. Step 2: outline the post around "
            "those questions, one section each, with a short answer first and the details after. "
            "Step 3: draft the post in plain words, keep it under eight hundred words, and add one "
            "diagram of the workflow. Step 4: ask the product team to review the facts and the "
            "legal team to review the claims. Step 5: publish on Tuesday morning, share it in the "
            "newsletter, and measure reads after one week.")
