"""hikkoshi (引越し): a one-stop portal for the paperwork of moving house in Japan.

A mover enters who they are and where they move once; hikkoshi finds which public and private
procedures apply and hands each application to its organisation by the channel it accepts.
"""

__version__ = "0.1.0"
