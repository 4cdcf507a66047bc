"""The procedures that change the awards service's state, one module per step or aggregate. Each
checks who may act, loads what it needs, asks the domain, writes the result and publishes its
events through the unit of work; an error anywhere rolls the whole step back, events included.

    nominations.submit → screening.screen → notice.post_notice (objections)
      → council.add_to_agenda → votes.open_vote → votes.cast_ballot → votes.close_vote
      → decisions.issue_decision (or proposals.submit) → (revocation.revoke)
"""
